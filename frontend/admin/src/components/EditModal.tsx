// A small form in a modal for creating or editing one object (a rule, a reward): text and
// select fields, only what changed is sent, the server's field errors shown inline, and any
// other refusal (409: someone else saved) in a banner.
import { Banner, BlockStack, FormLayout, Modal, Select, TextField } from '@shopify/polaris';
import { useState } from 'react';
import { errorMessage, fieldErrors, type FieldErrors } from './errors';

export interface FieldSpec {
  name: string;
  label: string;
  options?: { label: string; value: string }[];
  type?: 'text' | 'number';
  help?: string;
  nullable?: boolean; // empty is sent as null (optional numbers), else as ""
}

interface Props {
  title: string;
  fields: FieldSpec[];
  initial: Record<string, string>;
  onClose(): void;
  onSubmit(changed: Record<string, string | null>): Promise<unknown>;
  onSaved(): void;
}

export function EditModal({ title, fields, initial, onClose, onSubmit, onSaved }: Props) {
  const [draft, setDraft] = useState(initial);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [banner, setBanner] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const changed: Record<string, string | null> = {};
  for (const spec of fields) {
    const value = draft[spec.name] ?? '';
    if (value !== (initial[spec.name] ?? '')) changed[spec.name] = value === '' && spec.nullable ? null : value;
  }

  async function save() {
    setSaving(true);
    try {
      await onSubmit(changed);
      onSaved();
    } catch (error) {
      const found = fieldErrors(error);
      setErrors(found);
      setBanner(Object.keys(found).length ? null : errorMessage(error));
    } finally {
      setSaving(false);
    }
  }

  return (
    <Modal
      open
      onClose={onClose}
      title={title}
      primaryAction={{ content: 'Save', onAction: save, loading: saving, disabled: !Object.keys(changed).length }}
      secondaryActions={[{ content: 'Cancel', onAction: onClose }]}
    >
      <Modal.Section>
        <BlockStack gap="300">
          {banner && <Banner tone="critical">{banner}</Banner>}
          {errors.non_field_errors && <Banner tone="critical">{errors.non_field_errors}</Banner>}
          <FormLayout>
            {fields.map((spec) =>
              spec.options ? (
                <Select
                  key={spec.name}
                  label={spec.label}
                  options={spec.options}
                  value={draft[spec.name] ?? ''}
                  onChange={(value) => setDraft((d) => ({ ...d, [spec.name]: value }))}
                  error={errors[spec.name]}
                />
              ) : (
                <TextField
                  key={spec.name}
                  label={spec.label}
                  type={spec.type ?? 'text'}
                  helpText={spec.help}
                  value={draft[spec.name] ?? ''}
                  onChange={(value) => setDraft((d) => ({ ...d, [spec.name]: value }))}
                  error={errors[spec.name]}
                  autoComplete="off"
                />
              ),
            )}
          </FormLayout>
        </BlockStack>
      </Modal.Section>
    </Modal>
  );
}

/** An object's fields as the form's strings (null and undefined as empty). */
export function asDraft(obj: object, fields: FieldSpec[]): Record<string, string> {
  const values = obj as Record<string, unknown>;
  return Object.fromEntries(fields.map((f) => [f.name, values[f.name] == null ? '' : String(values[f.name])]));
}

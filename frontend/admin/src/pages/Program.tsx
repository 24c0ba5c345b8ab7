// Program settings: the point's earning rate and cash value, the hold period, expiry and
// enrolment. Saved through the save bar with the version read (409: someone else saved).
import { Banner, BlockStack, Card, FormLayout, Layout, Page, Select, TextField } from '@shopify/polaris';
import { useState } from 'react';
import { ApiError } from '../api';
import { adminApi, type ProgramSettings, type ProgramSettingsInput } from '../adminApi';
import { toast } from '../components/appBridge';
import { errorMessage, fieldErrors, type FieldErrors } from '../components/errors';
import { decimalText } from '../components/format';
import { LoadError, PageSkeleton } from '../components/Loading';
import { SaveBar } from '../components/SaveBar';
import { useLoad } from '../components/useLoad';

type Draft = Record<string, string>;

// The text fields of the form, in order: [field, label, help].
const NUMBERS: [keyof ProgramSettingsInput, string, string][] = [
  ['points_per_unit', 'Points per 1 unit of currency spent', 'For example 5 points per $1.'],
  ['point_value_points', 'Points…', 'How many points are worth the amount below.'],
  ['point_value_amount', '…are worth', 'In the shop currency.'],
  ['minimum_order', 'Minimum order to earn', 'Leave empty for none.'],
  ['hold_days', 'Hold period (days)', 'Points stay pending this long (returns window).'],
  ['expiry_months', 'Expiry (months)', 'Used when points expire.'],
  ['exclusion_tag', 'Exclude customers tagged', 'Customers with this tag earn nothing.'],
];

function toDraft(settings: ProgramSettings): Draft {
  const draft: Draft = {};
  for (const [name] of NUMBERS) draft[name] = String(settings[name as keyof ProgramSettings] ?? '');
  // A rate, not money: "5", not its column's "5.0000".
  draft.points_per_unit = decimalText(settings.points_per_unit);
  draft.expiry_mode = settings.expiry_mode ?? 'none';
  draft.enrolment = settings.enrolment ?? 'automatic';
  return draft;
}

function toInput(draft: Draft, saved: Draft): ProgramSettingsInput {
  const changed: Record<string, string | null> = {};
  for (const [name, value] of Object.entries(draft)) {
    if (value !== saved[name]) changed[name] = name === 'minimum_order' && value === '' ? null : value;
  }
  return changed as ProgramSettingsInput;
}

export function Program() {
  const [load, , replace] = useLoad((signal) => adminApi.program(signal), []);
  if (load.state === 'loading') return <PageSkeleton title="Program" />;
  if (load.state === 'error') return <LoadError message={load.message} />;
  return <ProgramForm settings={load.data} onSaved={replace} />;
}

function ProgramForm({ settings, onSaved }: { settings: ProgramSettings; onSaved(s: ProgramSettings): void }) {
  const saved = toDraft(settings);
  const [draft, setDraft] = useState<Draft>(saved);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [banner, setBanner] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const dirty = Object.keys(toInput(draft, saved)).length > 0;
  const set = (name: string) => (value: string) => setDraft((d) => ({ ...d, [name]: value }));

  async function save() {
    setSaving(true);
    try {
      const next = await adminApi.programUpdate(settings.version, toInput(draft, saved));
      setErrors({});
      setBanner(null);
      onSaved(next);
      setDraft(toDraft(next));
      toast('Program saved');
    } catch (error) {
      setErrors(fieldErrors(error));
      const conflict = error instanceof ApiError && error.status === 409;
      setBanner(conflict || !(error instanceof ApiError && error.status === 400) ? errorMessage(error) : null);
    } finally {
      setSaving(false);
    }
  }

  return (
    <Page title="Program">
      <SaveBar id="program-save-bar" open={dirty} saving={saving} onSave={save} onDiscard={() => {
        setDraft(saved);
        setErrors({});
      }} />
      <Layout>
        {banner && (
          <Layout.Section>
            <Banner tone="critical" title="Not saved">{banner}</Banner>
          </Layout.Section>
        )}
        <Layout.Section>
          <Card>
            <BlockStack gap="400">
              <FormLayout>
                {NUMBERS.map(([name, label, help]) => (
                  <TextField
                    key={name}
                    label={label}
                    helpText={help}
                    value={draft[name]}
                    onChange={set(name)}
                    error={errors[name]}
                    autoComplete="off"
                  />
                ))}
                <Select
                  label="Points expire"
                  options={[
                    { label: 'Never', value: 'none' },
                    { label: 'Each lot, months after it was earned', value: 'lot' },
                    { label: 'All, after months without activity', value: 'inactivity' },
                  ]}
                  value={draft.expiry_mode}
                  onChange={set('expiry_mode')}
                  error={errors.expiry_mode}
                />
                <Select
                  label="Enrolment"
                  options={[
                    { label: 'Automatic', value: 'automatic' },
                    { label: 'Customers opt in', value: 'opt_in' },
                  ]}
                  value={draft.enrolment}
                  onChange={set('enrolment')}
                  error={errors.enrolment}
                />
              </FormLayout>
            </BlockStack>
          </Card>
        </Layout.Section>
      </Layout>
    </Page>
  );
}

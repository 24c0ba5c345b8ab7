// The launcher's branding and texts, with a live preview of the real launcher (button and
// panel) under the unsaved settings. Saved through the save bar with the version read (409:
// someone else saved); the server's field errors are shown beside the fields.
import { Banner, BlockStack, Box, Card, FormLayout, Layout, Page, Select, Text, TextField } from '@shopify/polaris';
import { type ReactNode, useState } from 'react';
import { palette } from '../../../launcher/src/color';
import { ApiError, getShop, type Shop } from '../api';
import { adminApi, type ProgramSettings, type ProgramSettingsInput } from '../adminApi';
import { toast } from '../components/appBridge';
import { errorMessage, fieldErrors, type FieldErrors } from '../components/errors';
import { type Branding as Draft, LauncherPreview, type PreviewAs } from '../components/LauncherPreview';
import { LoadError, PageSkeleton } from '../components/Loading';
import { SaveBar } from '../components/SaveBar';
import { useLoad } from '../components/useLoad';

const TEXTS = ['guest_title', 'guest_body'] as const;

function toDraft(settings: ProgramSettings): Draft {
  const texts = (settings.launcher_texts ?? {}) as Record<string, string>;
  return {
    program_name: settings.program_name ?? '',
    launcher_label: settings.launcher_label ?? '',
    launcher_position: settings.launcher_position ?? 'bottom-right',
    launcher_button_color: settings.launcher_button_color ?? '',
    launcher_text_color: settings.launcher_text_color ?? '',
    launcher_icon: settings.launcher_icon ?? 'gift',
    guest_title: texts.guest_title ?? '',
    guest_body: texts.guest_body ?? '',
  };
}

/** What changed, as the API takes it (the two texts travel together in `launcher_texts`). */
export function toInput(draft: Draft, saved: Draft): ProgramSettingsInput {
  const changed: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(draft) as [keyof Draft, string][]) {
    if (!(TEXTS as readonly string[]).includes(name) && value !== saved[name]) changed[name] = value;
  }
  if (TEXTS.some((name) => draft[name] !== saved[name])) {
    changed.launcher_texts = Object.fromEntries(TEXTS.map((name) => [name, draft[name]]));
  }
  return changed as ProgramSettingsInput;
}

export function Branding() {
  const [load, , replace] = useLoad(
    async (signal) => {
      const [settings, shop] = await Promise.all([adminApi.program(signal), getShop(signal)]);
      return { settings, shop };
    },
    [],
  );
  if (load.state === 'loading') return <PageSkeleton title="Branding" />;
  if (load.state === 'error') return <LoadError message={load.message} />;
  const { shop } = load.data;
  return <BrandingForm settings={load.data.settings} shop={shop} onSaved={(settings) => replace({ settings, shop })} />;
}

function BrandingForm({ settings, shop, onSaved }: { settings: ProgramSettings; shop: Shop; onSaved(s: ProgramSettings): void }) {
  const saved = toDraft(settings);
  const [draft, setDraft] = useState<Draft>(saved);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [banner, setBanner] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [as, setAs] = useState<PreviewAs>('member');
  const dirty = Object.keys(toInput(draft, saved)).length > 0;
  const set = (name: keyof Draft) => (value: string) => setDraft((d) => ({ ...d, [name]: value }));
  // The launcher's own contrast rule (frontend/launcher/src/color.ts), on the draft colours.
  const colors = palette(draft.launcher_button_color, draft.launcher_text_color);

  async function save() {
    setSaving(true);
    try {
      const next = await adminApi.programUpdate(settings.version, toInput(draft, saved));
      setErrors({});
      setBanner(null);
      onSaved(next);
      setDraft(toDraft(next));
      toast('Branding saved');
    } catch (error) {
      setErrors(fieldErrors(error));
      const invalid = error instanceof ApiError && error.status === 400;
      setBanner(invalid ? null : errorMessage(error));
    } finally {
      setSaving(false);
    }
  }

  const text = (name: keyof Draft, label: string, help?: string, multiline?: boolean, prefix?: ReactNode) => (
    <TextField
      label={label}
      helpText={help}
      prefix={prefix}
      value={draft[name]}
      onChange={set(name)}
      error={errors[name] ?? ((TEXTS as readonly string[]).includes(name) ? errors.launcher_texts : undefined)}
      multiline={multiline ? 3 : undefined}
      autoComplete="off"
    />
  );

  return (
    <Page title="Branding">
      <SaveBar
        id="branding-save-bar"
        open={dirty}
        saving={saving}
        onSave={save}
        onDiscard={() => {
          setDraft(saved);
          setErrors({});
        }}
      />
      <Layout>
        {banner && (
          <Layout.Section>
            <Banner tone="critical" title="Not saved">{banner}</Banner>
          </Layout.Section>
        )}
        <Layout.Section variant="oneHalf">
          <BlockStack gap="400">
            <Card>
              <FormLayout>
                {text('program_name', 'Program name', `The panel's title. Empty: ${shop.name}.`)}
                <Banner tone="info">
                  <p>
                    On the storefront, the button's label, icon, position and colours come from the Rewards launcher
                    app embed in the theme editor, which has the same settings. The values here drive this preview.
                  </p>
                </Banner>
                {text('launcher_label', 'Button label')}
                <Select
                  label="Position"
                  options={[
                    { label: 'Bottom right', value: 'bottom-right' },
                    { label: 'Bottom left', value: 'bottom-left' },
                  ]}
                  value={draft.launcher_position}
                  onChange={set('launcher_position')}
                  error={errors.launcher_position}
                />
                <Select
                  label="Icon"
                  options={['gift', 'star', 'heart', 'crown'].map((v) => ({ label: v[0]!.toUpperCase() + v.slice(1), value: v }))}
                  value={draft.launcher_icon}
                  onChange={set('launcher_icon')}
                  error={errors.launcher_icon}
                />
                <FormLayout.Group>
                  {text('launcher_button_color', 'Button colour', 'Like #5c6ac4.', false, <Swatch color={draft.launcher_button_color} />)}
                  {text('launcher_text_color', 'Button text colour', 'Like #ffffff.', false, <Swatch color={draft.launcher_text_color} />)}
                </FormLayout.Group>
                {colors.adjusted && (
                  <Banner tone="info" title="The launcher will adjust these colours">
                    <p>
                      {`They are hard to read together or on white (contrast under 4.5:1). The launcher will use ${colors.onAccent} for the button text and ${colors.accentText} for accents on white, as the preview shows.`}
                    </p>
                  </Banner>
                )}
              </FormLayout>
            </Card>
            <Card>
              <BlockStack gap="300">
                <Text as="h2" variant="headingMd">Texts for visitors who are not signed in</Text>
                <FormLayout>
                  {text('guest_title', 'Title', 'Empty: "How it works".')}
                  {text('guest_body', 'Introduction', 'Optional, shown under the title.', true)}
                </FormLayout>
              </BlockStack>
            </Card>
          </BlockStack>
        </Layout.Section>
        <Layout.Section variant="oneHalf">
          <Card>
            <BlockStack gap="300">
              <Text as="h2" variant="headingMd">Preview</Text>
              <Select
                label="Preview as"
                options={[
                  { label: 'A signed-in member', value: 'member' },
                  { label: 'A visitor', value: 'guest' },
                ]}
                value={as}
                onChange={(value) => setAs(value as PreviewAs)}
              />
              <Box>
                <LauncherPreview branding={draft} as={as} shopName={shop.name} currency={shop.currency} />
              </Box>
            </BlockStack>
          </Card>
        </Layout.Section>
      </Layout>
    </Page>
  );
}

/** The colour a field names, beside it (nothing while it is not a colour yet). */
function Swatch({ color }: { color: string }) {
  const valid = /^#[0-9a-f]{6}$/i.test(color);
  return (
    <span
      aria-hidden="true"
      style={{
        display: 'inline-block',
        width: 16,
        height: 16,
        borderRadius: 4,
        border: '1px solid rgba(0,0,0,.3)',
        background: valid ? color : 'transparent',
      }}
    />
  );
}

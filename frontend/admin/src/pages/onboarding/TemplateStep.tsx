// The program template: the defaults from the server, editable before they are saved. The
// server validates; its field errors show beside the fields (a reward's under its row).
import { Banner, BlockStack, Button, FormLayout, InlineStack, Text, TextField } from '@shopify/polaris';
import { useState } from 'react';
import { ApiError, getShop } from '../../api';
import { onboardingApi, type OnboardingProgress, type ProgramTemplate } from '../../onboardingApi';
import { toast } from '../../components/appBridge';
import { errorMessage, fieldErrors, type FieldErrors } from '../../components/errors';
import { decimalText, formatMoney } from '../../components/format';
import { useLoad } from '../../components/useLoad';

type Scalar = 'points_per_unit' | 'point_value_points' | 'point_value_amount' | 'signup_points' | 'birthday_points';

const FIELDS: [Scalar, string][] = [
  ['points_per_unit', 'Points per 1 unit of currency spent'],
  ['point_value_points', 'Points worth the amount below'],
  ['point_value_amount', 'Amount (shop currency)'],
  ['signup_points', 'Points for signing up'],
  ['birthday_points', 'Points on their birthday'],
];

/** The template's defaults, their reward names in the shop's currency. */
export async function templateLoad(signal: AbortSignal): Promise<ProgramTemplate> {
  const [template, shop] = await Promise.all([onboardingApi.template(signal), getShop(signal).catch(() => null)]);
  return shop ? inCurrency(template, shop.currency) : template;
}

export function TemplateStep({
  applied,
  initial,
  onApplied,
}: {
  applied: boolean;
  /** The defaults, when the page read them already (a template not applied yet). */
  initial: ProgramTemplate | null;
  onApplied(p: OnboardingProgress): void;
}) {
  const [editing, setEditing] = useState(!applied);
  if (!editing) {
    return (
      <InlineStack gap="200" blockAlign="center">
        <Text as="p">The template is saved. Change it any time on the Program and Rules &amp; rewards pages.</Text>
        <Button onClick={() => setEditing(true)}>Apply the template again</Button>
      </InlineStack>
    );
  }
  return (
    <TemplateForm
      initial={initial}
      onApplied={(progress) => {
        setEditing(false);
        onApplied(progress);
      }}
    />
  );
}

type FormProps = { onApplied(p: OnboardingProgress): void };

function TemplateForm({ initial, ...props }: FormProps & { initial: ProgramTemplate | null }) {
  return initial ? <TemplateFields initial={initial} {...props} /> : <TemplateLoader {...props} />;
}

/** Applying the template again, after the page loaded: read the defaults now. */
function TemplateLoader(props: FormProps) {
  const [load] = useLoad(templateLoad, []);
  if (load.state === 'loading') return <Text as="p" tone="subdued">Loading the template…</Text>;
  if (load.state === 'error') return <Banner tone="critical" title="Could not load the template">{load.message}</Banner>;
  return <TemplateFields initial={load.data} {...props} />;
}

function TemplateFields({ initial, onApplied }: FormProps & { initial: ProgramTemplate }) {
  // The stored decimal ("1.0000") shown as the merchant writes it ("1"), once: cleaning it on
  // every render would eat the "." of a "1.05" being typed.
  const [template, setTemplate] = useState(() => ({
    ...initial,
    points_per_unit: decimalText(initial.points_per_unit),
  }));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [rowErrors, setRowErrors] = useState<RewardErrors>([]);
  const [banner, setBanner] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const set = (patch: Partial<ProgramTemplate>) => setTemplate({ ...template, ...patch });
  const setReward = (index: number, patch: Partial<ProgramTemplate['rewards'][number]>) =>
    set({ rewards: template.rewards.map((r, i) => (i === index ? { ...r, ...patch } : r)) });

  async function save() {
    setSaving(true);
    try {
      onApplied(await onboardingApi.templateApply(template));
      setErrors({});
      setRowErrors([]);
      setBanner(null);
      toast('Template saved');
    } catch (error) {
      setErrors(fieldErrors(error));
      setRowErrors(rewardErrors(error));
      setBanner(error instanceof ApiError && error.status === 400 ? null : errorMessage(error));
    } finally {
      setSaving(false);
    }
  }

  return (
    <BlockStack gap="300">
      {banner && <Banner tone="critical" title="Not saved">{banner}</Banner>}
      <FormLayout>
        <FormLayout.Group>
          {FIELDS.map(([name, label]) => (
            <TextField
              key={name}
              label={label}
              value={String(template[name])}
              onChange={(value) => set({ [name]: value } as Partial<ProgramTemplate>)}
              error={errors[name]}
              autoComplete="off"
            />
          ))}
        </FormLayout.Group>
      </FormLayout>
      <Text as="h3" variant="headingSm">
        Rewards
      </Text>
      {template.rewards.map((reward, index) => (
        <FormLayout.Group key={index}>
          <TextField
            label={`Reward ${index + 1} name`}
            value={reward.name}
            onChange={(name) => setReward(index, { name })}
            error={rowErrors[index]?.name}
            autoComplete="off"
          />
          {reward.kind === 'fixed_amount' && (
            <TextField
              label={`Reward ${index + 1} amount off`}
              value={reward.amount ?? ''}
              onChange={(amount) => setReward(index, { amount })}
              error={rowErrors[index]?.amount}
              autoComplete="off"
            />
          )}
          <TextField
            label={`Reward ${index + 1} points`}
            value={String(reward.points_cost)}
            onChange={(value) => setReward(index, { points_cost: value as unknown as number })}
            error={rowErrors[index]?.points_cost}
            autoComplete="off"
          />
        </FormLayout.Group>
      ))}
      <InlineStack>
        <Button variant="primary" onClick={save} loading={saving}>
          Save the template
        </Button>
      </InlineStack>
    </BlockStack>
  );
}

/**
 * The server's default amount rewards are named in dollars ("$5 off"); a shop in another
 * currency sees them named in its own ("€5 off"). A name the merchant typed is kept.
 */
function inCurrency(template: ProgramTemplate, currency: string): ProgramTemplate {
  return {
    ...template,
    rewards: template.rewards.map((reward) =>
      reward.kind === 'fixed_amount' && reward.amount && reward.name === `$${decimalText(reward.amount)} off`
        ? { ...reward, name: `${formatMoney(reward.amount, currency, { whole: true })} off` }
        : reward,
    ),
  };
}

type RewardErrors = Record<string, string>[];

/** A 400's errors for each reward row: `extra.fields.rewards` is one object per row. */
function rewardErrors(error: unknown): RewardErrors {
  if (!(error instanceof ApiError) || error.status !== 400) return [];
  const rows = (error.extra as { fields?: { rewards?: unknown } } | undefined)?.fields?.rewards;
  if (!Array.isArray(rows)) return [];
  return rows.map((row) => {
    const out: Record<string, string> = {};
    if (row && typeof row === 'object') {
      for (const [name, messages] of Object.entries(row as Record<string, unknown>)) {
        out[name] = Array.isArray(messages) ? messages.map(String).join(' ') : String(messages);
      }
    }
    return out;
  });
}

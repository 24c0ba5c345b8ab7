// The referral program's settings: both sides' rewards, the friend's minimum and code expiry,
// the attribution window, the hold, and the fraud rules. Saved through the save bar with the
// version read (409: someone else saved in between).
import { Banner, BlockStack, Card, Checkbox, FormLayout, Select, Text, TextField } from '@shopify/polaris';
import { useState } from 'react';
import { ApiError } from '../../api';
import { adminApi, type ReferralProgram, type ReferralProgramInput } from '../../adminApi';
import { toast } from '../../components/appBridge';
import { errorMessage, fieldErrors, type FieldErrors } from '../../components/errors';
import { SaveBar } from '../../components/SaveBar';

type Draft = Record<string, string | boolean>;
const TEXT = [
  'referrer_points',
  'offer_kind',
  'offer_value',
  'minimum_order',
  'code_expiry_days',
  'attribution_days',
  'hold_days',
  'velocity_per_referrer',
  'velocity_per_ip',
  'velocity_days',
] as const;
const FLAGS = ['active', 'fraud_checks'] as const;

function toDraft(program: ReferralProgram): Draft {
  const draft: Draft = {};
  for (const name of TEXT) draft[name] = String(program[name] ?? '');
  for (const name of FLAGS) draft[name] = !!program[name];
  return draft;
}

function toInput(draft: Draft, saved: Draft): ReferralProgramInput {
  const changed: Record<string, string | boolean | null> = {};
  for (const [name, value] of Object.entries(draft)) {
    if (value !== saved[name]) changed[name] = name === 'minimum_order' && value === '' ? null : value;
  }
  return changed as ReferralProgramInput;
}

interface Props {
  program: ReferralProgram;
  currency: string;
  onSaved(program: ReferralProgram): void;
}

export function ReferralSettings({ program, currency, onSaved }: Props) {
  const saved = toDraft(program);
  const [draft, setDraft] = useState<Draft>(saved);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [banner, setBanner] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const dirty = Object.keys(toInput(draft, saved)).length > 0;
  const set = (name: string) => (value: string | boolean) => setDraft((d) => ({ ...d, [name]: value }));
  const textField = (name: (typeof TEXT)[number], label: string, helpText?: string) => (
    <TextField
      label={label}
      helpText={helpText}
      value={String(draft[name])}
      onChange={set(name)}
      error={errors[name]}
      autoComplete="off"
      inputMode={name === 'offer_value' || name === 'minimum_order' ? 'decimal' : 'numeric'}
    />
  );

  async function save() {
    setSaving(true);
    try {
      const next = await adminApi.referralProgramUpdate(program.version, toInput(draft, saved));
      setErrors({});
      setBanner(null);
      onSaved(next);
      setDraft(toDraft(next));
      toast('Referral settings saved');
    } catch (error) {
      const found = fieldErrors(error);
      setErrors(found);
      const plain = error instanceof ApiError && error.status === 400 && Object.keys(found).length > 0;
      setBanner(plain ? null : errorMessage(error));
    } finally {
      setSaving(false);
    }
  }

  const kind = String(draft.offer_kind);
  return (
    <Card>
      <BlockStack gap="400">
        <Text as="h2" variant="headingMd">
          Program settings
        </Text>
        <SaveBar
          id="referrals-save-bar"
          open={dirty}
          saving={saving}
          onSave={save}
          onDiscard={() => {
            setDraft(saved);
            setErrors({});
            setBanner(null);
          }}
        />
        {banner && (
          <Banner tone="critical" title="Not saved">
            {banner}
          </Banner>
        )}
        <FormLayout>
          <Checkbox
            label="Referral program is on"
            helpText="Off: the launcher shows no referral offer and links open no offer."
            checked={!!draft.active}
            onChange={set('active')}
          />
          {textField('referrer_points', 'Referrer reward (points)', 'Given once per friend, after the friend’s first order is paid.')}
          <FormLayout.Group>
            <Select
              label="Friend offer"
              options={[
                { label: 'Percentage off', value: 'percent' },
                { label: 'Fixed amount off', value: 'fixed' },
                { label: 'Free shipping', value: 'free_shipping' },
              ]}
              value={kind}
              onChange={set('offer_kind')}
              error={errors.offer_kind}
            />
            {kind === 'free_shipping'
              ? null
              : textField(
                  'offer_value',
                  kind === 'percent' ? 'Friend discount (%)' : `Friend discount (${currency})`,
                  kind === 'percent' ? 'From 1 to 100.' : 'In the shop’s currency.',
                )}
          </FormLayout.Group>
          <FormLayout.Group>
            {textField('minimum_order', `Friend minimum order (${currency})`, 'Leave empty for none.')}
            {textField('code_expiry_days', 'Friend code expires after (days)')}
          </FormLayout.Group>
          <FormLayout.Group>
            {textField(
              'attribution_days',
              'Attribution window (days)',
              'A paid order by the friend’s email completes the referral this long after the claim, even without the code.',
            )}
            {textField(
              'hold_days',
              'Hold period (days)',
              'The referrer’s points stay pending this long; a cancellation or refund within it reverses them.',
            )}
          </FormLayout.Group>
          <Checkbox
            label="Fraud rules"
            helpText="Reject self-referrals (same customer, email alias, phone, address or IP) and friends who are not new; hold fast bursts for review."
            checked={!!draft.fraud_checks}
            onChange={set('fraud_checks')}
          />
          <FormLayout.Group>
            {textField('velocity_per_referrer', 'Hold after this many referrals per referrer')}
            {textField('velocity_per_ip', 'Hold after this many referrals per IP')}
            {textField('velocity_days', 'Within (days)')}
          </FormLayout.Group>
        </FormLayout>
      </BlockStack>
    </Card>
  );
}

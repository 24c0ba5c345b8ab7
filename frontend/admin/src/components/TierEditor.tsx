// One tier of the VIP club as a form card: name, basis, period, threshold, multiplier, entry
// points, perks, tag and invitation-only, the automatic discount, the entry reward and the
// recurring perk (chosen among the shop's active rewards), and for an invitation-only tier the
// membership product that sells it; with buttons to move it up, down or remove it. The order of
// the cards is the tiers' rank (first = lowest).
import { BlockStack, Button, ButtonGroup, Card, Checkbox, FormLayout, InlineStack, Select, Text, TextField } from '@shopify/polaris';
import type { Reward } from '../adminApi';
import type { Tier, TierInput } from '../vipApi';

export interface TierDraft {
  key: string; // a stable React key, also for a tier not saved yet
  id: number | null;
  name: string;
  basis: TierInput['basis'];
  period: TierInput['period'];
  threshold: string;
  multiplier: string;
  entry_points: string;
  perks: string;
  customer_tag: string;
  invitation_only: boolean;
  discount_percent: string;
  entry_reward_id: string; // '' = none
  perk_reward_id: string; // '' = none
  perk_every: 'month' | 'quarter';
  sold: boolean; // sold as a membership product (invitation-only tiers)
  membership_variant_id: string;
  membership_term: string;
  membership_term_unit: TierInput['membership_term_unit'];
}

export type TierErrors = Partial<Record<keyof TierDraft, string>>;

let drafted = 0;

export function tierDraft(tier?: Tier): TierDraft {
  drafted += 1;
  return {
    key: tier ? `tier-${tier.id}` : `new-${drafted}`,
    id: tier?.id ?? null,
    name: tier?.name ?? '',
    basis: tier?.basis ?? 'spent',
    period: tier?.period ?? 'lifetime',
    // "100.00" for money; "5" rather than "5.00" for orders and points, "1.25" not "1.250".
    threshold: tier ? (tier.basis === 'spent' ? String(tier.threshold) : String(Number(tier.threshold))) : '0',
    multiplier: tier ? String(Number(tier.multiplier)) : '1',
    entry_points: tier ? String(tier.entry_points) : '0',
    perks: tier?.perks ?? '',
    customer_tag: tier?.customer_tag ?? '',
    invitation_only: tier?.invitation_only ?? false,
    discount_percent: tier ? String(Number(tier.discount_percent)) : '0',
    entry_reward_id: tier?.entry_reward_id ? String(tier.entry_reward_id) : '',
    perk_reward_id: tier?.perk_reward_id ? String(tier.perk_reward_id) : '',
    perk_every: tier?.perk_every === 'quarter' ? 'quarter' : 'month',
    sold: tier?.membership_variant_id != null,
    membership_variant_id: tier?.membership_variant_id != null ? String(tier.membership_variant_id) : '',
    membership_term: tier?.membership_term ? String(tier.membership_term) : '12',
    membership_term_unit: tier?.membership_term_unit ?? 'months',
  };
}

const reward = (value: string) => (value ? Number(value) : null);

/** The API's input for the drafts in their order (rank = position, 1 = the lowest). */
export function tierInputs(drafts: TierDraft[]): TierInput[] {
  return drafts.map((d, index) => ({
    id: d.id,
    name: d.name.trim(),
    rank: index + 1,
    basis: d.basis,
    period: d.period,
    threshold: d.threshold.trim(),
    multiplier: d.multiplier.trim(),
    entry_points: Number.parseInt(d.entry_points, 10) || 0,
    perks: d.perks,
    customer_tag: d.customer_tag.trim(),
    invitation_only: d.invitation_only,
    discount_percent: d.discount_percent.trim() || '0',
    entry_reward_id: reward(d.entry_reward_id),
    perk_reward_id: reward(d.perk_reward_id),
    perk_every: d.perk_reward_id ? d.perk_every : '',
    // Only an invitation-only tier is sold; the others send no product (the API refuses one).
    ...(d.invitation_only && d.sold
      ? { membership_variant_id: d.membership_variant_id.trim(), membership_term: Number.parseInt(d.membership_term, 10) || 0 }
      : { membership_variant_id: null, membership_term: 0 }),
    membership_term_unit: d.membership_term_unit,
  }));
}

const BASES = [
  { label: 'Amount spent', value: 'spent' },
  { label: 'Number of orders', value: 'orders' },
  { label: 'Points earned', value: 'points' },
];
const PERIODS = [
  { label: 'Lifetime', value: 'lifetime' },
  { label: 'Calendar year', value: 'calendar_year' },
  { label: 'Rolling 12 months', value: 'rolling_12_months' },
];

const EVERY = [
  { label: 'Every month', value: 'month' },
  { label: 'Every quarter', value: 'quarter' },
];
const UNITS = [
  { label: 'Months', value: 'months' },
  { label: 'Days', value: 'days' },
];
// A perk is a code each period, so only rewards with a fixed meaning fit it.
const PERK_KINDS = new Set(['free_shipping', 'percent_off']);

function rewardOptions(rewards: Reward[], current: string) {
  const options = [{ label: 'None', value: '' }, ...rewards.map((r) => ({ label: r.name, value: String(r.id) }))];
  // A reward deactivated since it was chosen stays visible, so saving does not drop it silently.
  if (current && !rewards.some((r) => String(r.id) === current)) options.push({ label: `Reward #${current} (inactive)`, value: current });
  return options;
}

interface Props {
  tier: TierDraft;
  position: number;
  count: number;
  currency: string;
  rewards: Reward[]; // the shop's active rewards
  errors: TierErrors;
  onChange(tier: TierDraft): void;
  onMove(delta: -1 | 1): void;
  onRemove(): void;
}

export function TierEditor({ tier, position, count, currency, rewards, errors, onChange, onMove, onRemove }: Props) {
  const set = <K extends keyof TierDraft>(name: K) => (value: TierDraft[K]) => onChange({ ...tier, [name]: value });
  const title = tier.name.trim() || `Tier ${position + 1}`;
  const threshold =
    tier.basis === 'spent' ? `Spent at least (${currency})` : tier.basis === 'orders' ? 'Orders at least' : 'Points earned at least';
  return (
    <Card>
      <BlockStack gap="300">
        <InlineStack align="space-between" blockAlign="center">
          <Text as="h3" variant="headingSm">
            {`${position + 1}. ${title}`}
          </Text>
          <ButtonGroup>
            <Button onClick={() => onMove(-1)} disabled={position === 0} accessibilityLabel={`Lower rank for ${title}`}>
              Lower rank
            </Button>
            <Button onClick={() => onMove(1)} disabled={position === count - 1} accessibilityLabel={`Higher rank for ${title}`}>
              Higher rank
            </Button>
            <Button tone="critical" onClick={onRemove} accessibilityLabel={`Remove ${title}`}>
              Remove
            </Button>
          </ButtonGroup>
        </InlineStack>
        <FormLayout>
          <FormLayout.Group>
            <TextField label="Tier name" value={tier.name} onChange={set('name')} error={errors.name} autoComplete="off" />
            <TextField label="Customer tag" value={tier.customer_tag} onChange={set('customer_tag')} error={errors.customer_tag}
              helpText="Added to the Shopify customer while they hold the tier." autoComplete="off" />
          </FormLayout.Group>
          <Checkbox label="Invitation only" checked={tier.invitation_only} onChange={set('invitation_only')}
            helpText="Staff assign it from a customer's profile; it is never reached by spending." />
          {!tier.invitation_only && (
            <FormLayout.Group>
              <Select label="Qualifies by" options={BASES} value={tier.basis}
                onChange={(v) => set('basis')(v as TierDraft['basis'])} error={errors.basis} />
              <Select label="Counted over" options={PERIODS} value={tier.period}
                onChange={(v) => set('period')(v as TierDraft['period'])} error={errors.period} />
              <TextField label={threshold} type="number" min={0} value={tier.threshold} onChange={set('threshold')}
                error={errors.threshold} autoComplete="off" />
            </FormLayout.Group>
          )}
          <FormLayout.Group>
            <TextField label="Points multiplier" type="number" min={0} step={0.05} value={tier.multiplier}
              onChange={set('multiplier')} error={errors.multiplier} helpText="1.5 = 50% more points on orders." autoComplete="off" />
            <TextField label="Entry points" type="number" min={0} value={tier.entry_points} onChange={set('entry_points')}
              error={errors.entry_points} helpText="Given once when a member reaches the tier." autoComplete="off" />
          </FormLayout.Group>
          <TextField label="Perks" value={tier.perks} onChange={set('perks')} error={errors.perks} multiline={3}
            helpText="One per line; shown to shoppers in the rewards launcher." autoComplete="off" />
          <TextField label="Automatic discount (%)" type="number" min={0} max={100} step={1} value={tier.discount_percent}
            onChange={set('discount_percent')} error={errors.discount_percent} autoComplete="off"
            helpText="Applied at checkout without a code to every customer with the tier's customer tag. 0 = no discount." />
          <FormLayout.Group>
            <Select label="Entry reward" options={rewardOptions(rewards.filter((r) => r.kind !== 'variable_amount'), tier.entry_reward_id)}
              value={tier.entry_reward_id} onChange={set('entry_reward_id')} error={errors.entry_reward_id}
              helpText={rewards.length ? 'Its code is given once when a member reaches the tier.' : 'Add a reward under Rules & rewards to offer one.'} />
            <Select label="Monthly/quarterly perk" options={rewardOptions(rewards.filter((r) => PERK_KINDS.has(r.kind)), tier.perk_reward_id)}
              value={tier.perk_reward_id} onChange={set('perk_reward_id')} error={errors.perk_reward_id}
              helpText="A free-shipping or percent-off code for every member, each period." />
            {tier.perk_reward_id && (
              <Select label="Perk issued" options={EVERY} value={tier.perk_every}
                onChange={(v) => set('perk_every')(v as TierDraft['perk_every'])} error={errors.perk_every} />
            )}
          </FormLayout.Group>
          {tier.invitation_only && (
            <Checkbox label="Sold as a membership" checked={tier.sold} onChange={set('sold')}
              helpText="Buying the product grants the tier for the term from the payment." />
          )}
          {tier.invitation_only && tier.sold && (
            <FormLayout.Group>
              <TextField label="Membership product variant ID" value={tier.membership_variant_id}
                onChange={set('membership_variant_id')} error={errors.membership_variant_id} autoComplete="off"
                helpText="A number or gid://shopify/ProductVariant/…" />
              <TextField label="Membership term" type="number" min={1} value={tier.membership_term}
                onChange={set('membership_term')} error={errors.membership_term} autoComplete="off" />
              <Select label="Term unit" options={UNITS} value={tier.membership_term_unit}
                onChange={(v) => set('membership_term_unit')(v as TierDraft['membership_term_unit'])} error={errors.membership_term_unit} />
            </FormLayout.Group>
          )}
          {errors.invitation_only && <Text as="p" tone="critical">{errors.invitation_only}</Text>}
        </FormLayout>
      </BlockStack>
    </Card>
  );
}

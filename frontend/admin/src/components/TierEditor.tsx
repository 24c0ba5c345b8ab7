// One tier of the VIP club as a form card: name, basis, period, threshold, multiplier, entry
// points, perks, tag and invitation-only, with buttons to move it up, down or remove it. The
// order of the cards is the tiers' rank (first = lowest).
import { BlockStack, Button, ButtonGroup, Card, Checkbox, FormLayout, InlineStack, Select, Text, TextField } from '@shopify/polaris';
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
  };
}

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

interface Props {
  tier: TierDraft;
  position: number;
  count: number;
  currency: string;
  errors: TierErrors;
  onChange(tier: TierDraft): void;
  onMove(delta: -1 | 1): void;
  onRemove(): void;
}

export function TierEditor({ tier, position, count, currency, errors, onChange, onMove, onRemove }: Props) {
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
        </FormLayout>
      </BlockStack>
    </Card>
  );
}

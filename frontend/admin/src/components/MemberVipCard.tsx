// A member's place in the VIP club on their profile: the tier, until when it is kept, the
// history, and staff's control to assign (or remove) an invitation-only tier, each confirmed.
import { Badge, BlockStack, Button, Card, DataTable, InlineStack, Modal, Select, Text } from '@shopify/polaris';
import { useState } from 'react';
import type { MemberProfile } from '../adminApi';
import { type Tier, vipApi } from '../vipApi';
import { toast } from './appBridge';
import { errorMessage } from './errors';
import { formatDate as date } from './format';
import { wrapCells } from './wrapCells';

const REASONS: Record<string, string> = {
  qualified: 'Qualified',
  downgraded: 'Downgraded',
  config: 'Tier settings changed',
  staff: 'Staff',
};

const HISTORY_TYPES: ('text' | 'numeric')[] = ['text', 'text', 'text', 'text'];

interface Props {
  memberId: number;
  memberName: string;
  vip: MemberProfile['vip'];
  tiers: Tier[];
  onChanged(): void;
}

export function MemberVipCard({ memberId, memberName, vip, tiers, onChanged }: Props) {
  const invitational = tiers.filter((t) => t.invitation_only);
  const [chosen, setChosen] = useState(String(invitational[0]?.id ?? ''));
  const [confirm, setConfirm] = useState<{ tier: { id: number; name: string }; assign: boolean } | null>(null);
  const [busy, setBusy] = useState(false);
  const current = vip.tier;

  async function run() {
    if (!confirm || busy) return;
    setBusy(true);
    try {
      await (confirm.assign ? vipApi.assign(memberId, confirm.tier.id) : vipApi.remove(memberId, confirm.tier.id));
      toast(confirm.assign ? `${confirm.tier.name} assigned` : `Removed from ${confirm.tier.name}`);
      setConfirm(null);
      onChanged();
    } catch (error) {
      toast(errorMessage(error), true);
    } finally {
      setBusy(false);
    }
  }

  const pick = invitational.find((t) => String(t.id) === chosen);
  return (
    <Card>
      <BlockStack gap="300">
        <Text as="h2" variant="headingMd">VIP tier</Text>
        <InlineStack gap="400" blockAlign="center">
          {current ? <Badge tone="info">{current.name}</Badge> : <Text as="span" tone="subdued">No tier</Text>}
          {current && <Text as="span">{vip.kept_until ? `Kept until ${date(vip.kept_until)}` : 'No end date'}</Text>}
          {vip.assigned_by && <Text as="span" tone="subdued">Assigned by staff</Text>}
        </InlineStack>
        {current?.invitation_only && (
          <InlineStack>
            <Button onClick={() => setConfirm({ tier: current, assign: false })}>{`Remove from ${current.name}`}</Button>
          </InlineStack>
        )}
        {invitational.length > 0 && (
          <InlineStack gap="200" blockAlign="end">
            {/* May shrink below its longest tier name (shown with an ellipsis) on a phone. */}
            <div style={{ flex: '0 1 auto', minWidth: 0, maxWidth: '100%' }}>
              <Select
                label="Invitation-only tier"
                options={invitational.map((t) => ({ label: t.name, value: String(t.id) }))}
                value={chosen}
                onChange={setChosen}
              />
            </div>
            <Button
              onClick={() => pick && setConfirm({ tier: pick, assign: true })}
              disabled={!pick || pick.id === current?.id}
            >
              Assign invitation-only tier
            </Button>
          </InlineStack>
        )}
        <Text as="h3" variant="headingSm">Tier history</Text>
        {vip.history.length ? (
          <DataTable
            columnContentTypes={HISTORY_TYPES}
            headings={['Date', 'From', 'To', 'Why']}
            rows={wrapCells(
              vip.history.map((h) => [
                date(h.created_at),
                h.from_tier?.name ?? 'No tier',
                h.to_tier?.name ?? 'No tier',
                REASONS[h.reason] ?? h.reason,
              ]),
              HISTORY_TYPES,
            )}
          />
        ) : (
          <Text as="p" tone="subdued">No tier changes yet</Text>
        )}
      </BlockStack>
      {confirm && (
        <Modal
          open
          onClose={() => setConfirm(null)}
          title={confirm.assign ? `Assign ${confirm.tier.name}?` : `Remove ${confirm.tier.name}?`}
          primaryAction={{ content: confirm.assign ? 'Assign tier' : 'Remove tier', onAction: run, loading: busy }}
          secondaryActions={[{ content: 'Cancel', onAction: () => setConfirm(null) }]}
        >
          <Modal.Section>
            <Text as="p">
              {confirm.assign
                ? `${memberName} joins ${confirm.tier.name} now, keeps it until staff remove it, and gets its entry points once.`
                : `${memberName} leaves ${confirm.tier.name}; their tier is decided again from their own spending.`}
            </Text>
          </Modal.Section>
        </Modal>
      )}
    </Card>
  );
}

// A member's profile: balance, pending, open lots with expiry, the history explained lot by
// lot, codes, the VIP tier and its history; adjust points, exclude or include, assign a tier.
import { Badge, BlockStack, Card, DataTable, type DataTableProps, InlineStack, Layout, Page, Text } from '@shopify/polaris';
import { useState } from 'react';
import { adminApi, type MemberProfile } from '../adminApi';
import { AdjustPointsModal } from '../components/AdjustPointsModal';
import { toast } from '../components/appBridge';
import { errorMessage } from '../components/errors';
import { formatDate as date, formatMoney as money, formatNumber as number } from '../components/format';
import { LoadError, PageSkeleton } from '../components/Loading';
import { MemberVipCard } from '../components/MemberVipCard';
import { useLoad } from '../components/useLoad';
import { wrapCells } from '../components/wrapCells';
import { navigate } from '../router';
import { vipApi } from '../vipApi';
import { memberName } from './Customers';


// A table, or one line saying there is nothing yet (an empty table reads as broken).
function Rows({ empty, rows, ...table }: { empty: string } & DataTableProps) {
  return rows.length ? (
    <DataTable rows={wrapCells(rows, table.columnContentTypes)} {...table} />
  ) : (
    <Text as="p" tone="subdued">{empty}</Text>
  );
}

export function CustomerProfile({ id }: { id: number }) {
  const [load, reload] = useLoad(async (signal) => {
    const [profile, vip] = await Promise.all([adminApi.member(id, signal), vipApi.config(signal)]);
    return { profile, tiers: vip.tiers };
  }, [id]);
  const [adjusting, setAdjusting] = useState(false);
  if (load.state === 'loading') return <PageSkeleton title="Customer" />;
  if (load.state === 'error') return <LoadError message={load.message} />;
  const profile: MemberProfile = load.data.profile;
  const { member } = profile;
  const name = memberName(member);
  const excluded = member.state === 'excluded';

  async function toggle() {
    try {
      await (excluded ? adminApi.memberInclude(id) : adminApi.memberExclude(id, 'staff'));
      toast(excluded ? 'Included' : 'Excluded');
      reload();
    } catch (error) {
      toast(errorMessage(error), true);
    }
  }

  return (
    <Page
      title={name}
      backAction={{ content: 'Customers', onAction: () => navigate('/customers') }}
      primaryAction={{ content: 'Adjust points', onAction: () => setAdjusting(true) }}
      secondaryActions={[{ content: excluded ? 'Include in program' : 'Exclude from program', onAction: toggle }]}
      titleMetadata={excluded ? <Badge>Excluded</Badge> : undefined}
    >
      <Layout>
        <Layout.Section>
          <Card>
            <InlineStack gap="800">
              <Stat label="Balance" value={`${number(member.balance)} (${money(profile.balance_value, profile.currency)})`} />
              <Stat label="Pending" value={number(member.pending)} />
              <Stat label="Lifetime earned" value={number(member.lifetime_earned)} />
            </InlineStack>
          </Card>
        </Layout.Section>
        <Layout.Section>
          <MemberVipCard memberId={id} memberName={name} vip={profile.vip} tiers={load.data.tiers} onChanged={reload} />
        </Layout.Section>
        <Layout.Section>
          <Card>
            <BlockStack gap="200">
              <Text as="h2" variant="headingMd">Open lots</Text>
              <Rows
                empty="No open lots"
                columnContentTypes={['text', 'numeric', 'numeric', 'text']}
                headings={['Earned', 'Amount', 'Left', 'Expires']}
                rows={profile.lots.map((lot) => [date(lot.earned_at), number(lot.amount), number(lot.remaining), date(lot.expires_at)])}
              />
            </BlockStack>
          </Card>
        </Layout.Section>
        <Layout.Section>
          <Card>
            <BlockStack gap="200">
              <Text as="h2" variant="headingMd">History</Text>
              <Rows
                empty="No history yet"
                columnContentTypes={['text', 'text', 'numeric', 'text']}
                headings={['Date', 'What', 'Points', 'Lots']}
                rows={profile.history.map((entry) => [
                  date(entry.created_at),
                  [entry.kind, entry.reason, entry.note].filter(Boolean).join(' · '),
                  number(entry.amount),
                  entry.lot
                    ? `opened lot ${entry.lot.id} (${number(entry.lot.remaining)} left)`
                    : entry.allocations.map((a) => `${number(a.amount)} from lot ${a.lot_id}`).join(', '),
                ])}
              />
            </BlockStack>
          </Card>
        </Layout.Section>
        <Layout.Section>
          <Card>
            <BlockStack gap="200">
              <Text as="h2" variant="headingMd">Codes</Text>
              <Rows
                empty="No codes yet"
                columnContentTypes={['text', 'text', 'numeric', 'text']}
                headings={['Code', 'Reward', 'Points', 'Status']}
                rows={profile.codes.map((code) => [code.code, code.reward_name, number(code.points), code.status ?? ''])}
              />
            </BlockStack>
          </Card>
        </Layout.Section>
      </Layout>
      {adjusting && (
        <AdjustPointsModal
          memberId={id}
          memberName={name}
          onClose={() => setAdjusting(false)}
          onDone={() => {
            setAdjusting(false);
            toast('Points adjusted');
            reload();
          }}
        />
      )}
    </Page>
  );
}

function Stat({ label, value }: { label: string; value: string }) {
  return (
    <BlockStack gap="100">
      <Text as="span" tone="subdued">{label}</Text>
      <Text as="span" variant="headingLg">{value}</Text>
    </BlockStack>
  );
}

// Referrals: the funnel, the program's settings, and the referrals with the rule and evidence
// behind each held or rejected one; staff approve or reject with a confirmation (the API
// records who decided).
import {
  Badge,
  Banner,
  BlockStack,
  Box,
  Button,
  Card,
  InlineGrid,
  InlineStack,
  Layout,
  Modal,
  Page,
  Select,
  Text,
  TextField,
} from '@shopify/polaris';
import { useState } from 'react';
import { adminApi, type Referral, type ReferralStats } from '../adminApi';
import { ApiError } from '../api';
import { toast } from '../components/appBridge';
import { errorMessage } from '../components/errors';
import { formatNumber } from '../components/format';
import { ListCard } from '../components/ListCard';
import { LoadError, PageSkeleton } from '../components/Loading';
import { formatDate as date, formatMoney as money } from '../components/format';
import { useLoad } from '../components/useLoad';
import { decidedBy, findings } from './referrals/evidence';
import { ReferralSettings } from './referrals/Settings';


const STATUSES = [
  { label: 'All', value: '' },
  { label: 'Held for review', value: 'held' },
  { label: 'Claimed (no order yet)', value: 'claimed' },
  { label: 'Completed', value: 'completed' },
  { label: 'Rejected', value: 'rejected' },
  { label: 'Reversed', value: 'reversed' },
];
const TONES: Record<string, 'success' | 'warning' | 'critical' | 'info' | undefined> = {
  completed: 'success',
  held: 'warning',
  rejected: 'critical',
  reversed: 'critical',
  claimed: 'info',
};
const STATUS_LABEL: Record<string, string> = {
  claimed: 'Claimed',
  held: 'Held',
  completed: 'Completed',
  rejected: 'Rejected',
  reversed: 'Reversed',
};

type Decision = { referral: Referral; action: 'approve' | 'reject' };

export function Referrals() {
  const [top, , replaceTop] = useLoad(
    (signal) => Promise.all([adminApi.referralProgram(signal), adminApi.referralStats(signal)]),
    [],
  );
  const [status, setStatus] = useState('');
  const [cursors, setCursors] = useState<number[]>([]); // the `before` of each page shown so far
  const before = cursors[cursors.length - 1];
  const [tick, setTick] = useState(0);
  const [list] = useLoad(
    (signal) =>
      adminApi.referrals({ status, before }, signal).then((page) => ({
        results: page.referrals,
        next: page.next_before === null ? null : String(page.next_before),
        previous: cursors.length ? 'previous' : null,
      })),
    [status, before, tick],
  );
  const [deciding, setDeciding] = useState<Decision | null>(null);
  const [refreshStats] = useState(() => async () => {
    try {
      const [program, stats] = await Promise.all([adminApi.referralProgram(), adminApi.referralStats()]);
      replaceTop([program, stats]);
    } catch {
      // The funnel refreshes on the next visit; the decision itself was saved.
    }
  });

  if (top.state === 'loading') return <PageSkeleton title="Referrals" />;
  if (top.state === 'error') return <LoadError message={top.message} />;
  const [program, stats] = top.data;

  return (
    <Page title="Referrals" subtitle="Friends bring friends: who referred whom, and why a referral was held or rejected.">
      <Layout>
        <Layout.Section>
          <Funnel stats={stats} />
        </Layout.Section>
        <Layout.Section>
          <BlockStack gap="300">
            {/* Outside a card: on a phone (cards edge to edge) it keeps the page's margin. */}
            <Box paddingInline={{ xs: '400', sm: '0' }}>
            <InlineStack align="space-between" blockAlign="end" gap="200">
              <Text as="h2" variant="headingMd">
                Referrals
              </Text>
              <Select
                label="Status"
                labelInline
                options={STATUSES}
                value={status}
                onChange={(value) => {
                  setStatus(value);
                  setCursors([]);
                }}
              />
            </InlineStack>
            </Box>
            <ListCard<Referral>
              title="referrals"
              load={list}
              empty={status ? 'No referrals with this status' : 'No referrals yet'}
              headings={['Referral', 'Status', 'Order and reward', 'Why', 'Actions']}
              next={
                list.state === 'loaded' && list.data.next
                  ? () => setCursors((c) => [...c, Number(list.data.next)])
                  : undefined
              }
              previous={cursors.length ? () => setCursors((c) => c.slice(0, -1)) : undefined}
              row={(r) => [
                // Emails are long words: they break inside the column, so the evidence and the
                // buttons stay in view on a desktop screen.
                <div key="who" style={{ whiteSpace: 'normal', minWidth: '12rem', maxWidth: '16rem' }}>
                  <BlockStack gap="100">
                    <Text as="span" breakWord>{`From ${r.referrer.email || `customer ${r.referrer.customer_id}`}`}</Text>
                    <Text as="span" breakWord>{`To ${r.friend_email || '(redacted)'}`}</Text>
                    <Text as="span" tone="subdued" breakWord>{`Claimed ${date(r.claimed_at)} · ${r.discount_code}`}</Text>
                  </BlockStack>
                </div>,
                <Badge key="status" tone={TONES[r.status]}>
                  {STATUS_LABEL[r.status] ?? r.status}
                </Badge>,
                <BlockStack key="order" gap="100">
                  <Text as="span">
                    {r.order_id
                      ? `#${r.order_id}${r.order_total ? ` · ${money(r.order_total, stats.currency)}` : ''}${r.attributed_by ? ` (by ${r.attributed_by})` : ''}`
                      : 'No order yet'}
                  </Text>
                  {r.reward_points ? (
                    <Text as="span" tone="subdued">
                      {`${formatNumber(r.reward_points)} points${r.reward_status ? ` (${r.reward_status})` : ''}`}
                    </Text>
                  ) : null}
                </BlockStack>,
                <DecisionCell key="decision" referral={r} />,
                <Actions key="actions" referral={r} onDecide={(action) => setDeciding({ referral: r, action })} />,
              ]}
            />
          </BlockStack>
        </Layout.Section>
        <Layout.Section>
          <ReferralSettings
            program={program}
            currency={stats.currency}
            onSaved={(next) => replaceTop([next, stats])}
          />
        </Layout.Section>
      </Layout>
      {deciding && (
        <DecisionModal
          decision={deciding}
          onClose={() => {
            setDeciding(null);
            setTick((t) => t + 1); // a refused decision: the list shows the referral as it is now
          }}
          onDone={() => {
            setDeciding(null);
            setTick((t) => t + 1);
            void refreshStats();
          }}
        />
      )}
    </Page>
  );
}

function Funnel({ stats }: { stats: ReferralStats }) {
  const items: [string, string][] = [
    ['Link visits', formatNumber(stats.invited)],
    ['Claimed', formatNumber(stats.claimed)],
    ['Completed', formatNumber(stats.completed)],
    ['Held', formatNumber(stats.held)],
    ['Rejected', formatNumber(stats.rejected)],
    ['Revenue from referred orders', money(stats.revenue, stats.currency)],
  ];
  return (
    <Card>
      <BlockStack gap="300">
        <Text as="h2" variant="headingMd">
          Funnel
        </Text>
        <InlineGrid columns={{ xs: 2, md: 6 }} gap="300">
          {items.map(([label, value]) => (
            <BlockStack key={label} gap="100">
              <Text as="p" tone="subdued">
                {label}
              </Text>
              <Text as="p" variant="headingLg">
                {value}
              </Text>
            </BlockStack>
          ))}
        </InlineGrid>
      </BlockStack>
    </Card>
  );
}

function DecisionCell({ referral }: { referral: Referral }) {
  const found = findings(referral);
  const who = decidedBy(referral);
  if (!found.length && !who) return <Text as="span">—</Text>;
  // IndexTable cells do not wrap; the evidence is the point of the column, so this one does.
  return (
    <div style={{ whiteSpace: 'normal', minWidth: '12rem', maxWidth: '18rem' }}>
    <BlockStack gap="100">
      {found.map((f) => (
        <BlockStack key={f.rule} gap="050">
          <Text as="span" fontWeight="semibold">
            {`${f.label}${f.decision === 'hold' ? ' (held)' : f.decision === 'reject' ? ' (rejected)' : ''}`}
          </Text>
          {f.evidence.map((line) => (
            <Text as="span" key={line} tone="subdued" breakWord>
              {line}
            </Text>
          ))}
        </BlockStack>
      ))}
      {who && <Text as="span">{`Decided by: ${who}`}</Text>}
      {referral.decision_note && <Text as="span" tone="subdued">{`Note: ${referral.decision_note}`}</Text>}
    </BlockStack>
    </div>
  );
}

function Actions({ referral, onDecide }: { referral: Referral; onDecide(action: Decision['action']): void }) {
  // As the API allows: approve a held one, or a rejected one that has its order; reject a
  // claimed, held or completed one.
  const approvable = referral.status === 'held' || (referral.status === 'rejected' && !!referral.order_id);
  const rejectable = ['claimed', 'held', 'completed'].includes(referral.status);
  const who = referral.friend_email || `referral ${referral.id}`;
  if (!approvable && !rejectable) return <Text as="span">—</Text>;
  return (
    <BlockStack gap="200" inlineAlign="start">
      {approvable && (
        <Button onClick={() => onDecide('approve')} accessibilityLabel={`Approve the referral of ${who}`}>
          Approve
        </Button>
      )}
      {rejectable && (
        <Button tone="critical" onClick={() => onDecide('reject')} accessibilityLabel={`Reject the referral of ${who}`}>
          Reject
        </Button>
      )}
    </BlockStack>
  );
}

/** A decision the API refused: one decided in the meantime says what it is now. */
function decisionError(error: unknown): string {
  if (error instanceof ApiError && error.code === 'referral_not_reviewable') {
    const now = (error.extra as { status?: string } | undefined)?.status;
    const label = now ? STATUS_LABEL[now] ?? now : null;
    return label
      ? `This referral is ${label.toLowerCase()} now: it was decided since the list was loaded. Close this to see it as it is.`
      : errorMessage(error);
  }
  return errorMessage(error);
}

function DecisionModal({ decision, onClose, onDone }: { decision: Decision; onClose(): void; onDone(): void }) {
  const { referral, action } = decision;
  const [note, setNote] = useState('');
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const approve = action === 'approve';
  async function confirm() {
    if (saving) return;
    setSaving(true);
    setError(null);
    try {
      await (approve ? adminApi.referralApprove(referral.id, note) : adminApi.referralReject(referral.id, note));
      toast(approve ? 'Referral approved' : 'Referral rejected');
      onDone();
    } catch (e) {
      setError(decisionError(e));
    } finally {
      setSaving(false);
    }
  }
  return (
    <Modal
      open
      onClose={onClose}
      title={approve ? 'Approve this referral?' : 'Reject this referral?'}
      primaryAction={{
        content: approve ? 'Approve' : 'Reject',
        destructive: !approve,
        onAction: confirm,
        loading: saving,
      }}
      secondaryActions={[{ content: 'Cancel', onAction: onClose }]}
    >
      <Modal.Section>
        <BlockStack gap="300">
          {error && <Banner tone="critical">{error}</Banner>}
          <Text as="p" breakWord>
            {approve
              ? `${referral.referrer.email || 'The referrer'} gets the referral reward for ${referral.friend_email || 'this friend'}, pending until the hold period ends. Your name is recorded with the decision.`
              : `${referral.referrer.email || 'The referrer'} gets no reward for ${referral.friend_email || 'this friend'}; a reward still pending is cancelled. Your name is recorded with the decision.`}
          </Text>
          <TextField label="Note (optional, staff only)" value={note} onChange={setNote} autoComplete="off" />
        </BlockStack>
      </Modal.Section>
    </Modal>
  );
}

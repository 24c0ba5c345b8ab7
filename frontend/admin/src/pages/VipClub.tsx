// The VIP club: the tiers editor, a preview of what a change does to the shop's members
// (counts per tier, moved up and down) BEFORE it is saved, then a confirmed save with the
// version read (409: someone else saved), and the members per tier now.
import { Banner, BlockStack, Box, Button, Card, DataTable, EmptyState, FormLayout, Layout, Page, Select, Text, TextField } from '@shopify/polaris';
import { useEffect, useRef, useState } from 'react';
import { adminApi, type Reward } from '../adminApi';
import { ApiError, getShop, type Shop } from '../api';
import { toast } from '../components/appBridge';
import { errorMessage } from '../components/errors';
import { formatNumber } from '../components/format';
import { LoadError, PageSkeleton } from '../components/Loading';
import { TierChart } from '../components/TierChart';
import { type TierDraft, tierDraft, TierEditor, type TierErrors, tierInputs } from '../components/TierEditor';
import { useLoad } from '../components/useLoad';
import { type TierConfig, type TierConfigInput, type TierDistribution, type TierPreview, vipApi } from '../vipApi';

interface Loaded {
  config: TierConfig;
  distribution: TierDistribution;
  shop: Shop;
  rewards: Reward[]; // active, for the entry reward and perk selects
}

export function VipClub() {
  const [load, reload] = useLoad(async (signal): Promise<Loaded> => {
    const [config, distribution, shop, rewards] = await Promise.all([
      vipApi.config(signal),
      vipApi.distribution(signal),
      getShop(signal),
      adminApi.rewards('/api/admin/rewards?active=true&limit=200', signal),
    ]);
    return { config, distribution, shop, rewards: rewards.results };
  }, []);
  // A save rebuilds the editor on the new version (its draft is the saved configuration), and
  // the button that saved is gone with the preview: the rebuilt editor takes the focus, on its
  // tiers' heading, so a keyboard or screen reader user is not dropped to the frame's top.
  const saved = useRef(false);
  if (load.state === 'loading') return <PageSkeleton title="VIP club" />;
  if (load.state === 'error') return <LoadError message={load.message} />;
  const onSaved = () => {
    saved.current = true;
    reload();
  };
  return <VipEditor key={load.data.config.version} {...load.data} focusOnMount={saved.current} onSaved={onSaved} />;
}

interface Draft {
  tiers: TierDraft[];
  downgrade: TierConfig['downgrade'];
  grace_days: string;
}

function toDraft(config: TierConfig): Draft {
  return { tiers: config.tiers.map(tierDraft), downgrade: config.downgrade, grace_days: String(config.grace_days) };
}

function toInput(draft: Draft): TierConfigInput {
  return { tiers: tierInputs(draft.tiers), downgrade: draft.downgrade, grace_days: Number.parseInt(draft.grace_days, 10) || 0 };
}

/** A 400's per-tier field errors (`extra.fields.tiers` by index) and the others. */
function errorsOf(error: unknown): { tiers: Record<string, TierErrors>; other: string[] } {
  const fields = (error instanceof ApiError && error.status === 400
    ? (error.extra as { fields?: Record<string, unknown> } | undefined)?.fields
    : undefined) ?? {};
  const tiers: Record<string, TierErrors> = {};
  const other: string[] = [];
  for (const [name, value] of Object.entries(fields)) {
    if (name === 'tiers' && value && typeof value === 'object' && !Array.isArray(value)) {
      for (const [index, problems] of Object.entries(value as Record<string, Record<string, unknown>>)) {
        tiers[index] = Object.fromEntries(
          Object.entries(problems).map(([f, m]) => [f, Array.isArray(m) ? m.join(' ') : String(m)]),
        );
      }
    } else {
      other.push(Array.isArray(value) ? value.join(' ') : String(value));
    }
  }
  return { tiers, other };
}

function VipEditor({
  config,
  distribution,
  shop,
  rewards,
  focusOnMount,
  onSaved,
}: Loaded & { focusOnMount: boolean; onSaved(): void }) {
  const saved = toDraft(config);
  const top = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (focusOnMount) top.current?.focus();
  }, []); // once: when this editor is the one built after a save
  const [draft, setDraftState] = useState<Draft>(saved);
  const [preview, setPreview] = useState<{ input: TierConfigInput; result: TierPreview } | null>(null);
  const [errors, setErrors] = useState<Record<string, TierErrors>>({});
  const [banner, setBanner] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const dirty = JSON.stringify(toInput(draft)) !== JSON.stringify(toInput(saved));
  // Any edit makes the preview stale: it has to be run again before saving.
  const setDraft = (next: Draft) => {
    setDraftState(next);
    setPreview(null);
  };
  const setTiers = (tiers: TierDraft[]) => setDraft({ ...draft, tiers });
  const move = (index: number, delta: -1 | 1) => {
    const tiers = [...draft.tiers];
    const [tier] = tiers.splice(index, 1);
    tiers.splice(index + delta, 0, tier!);
    setTiers(tiers);
  };

  function failed(error: unknown) {
    const found = errorsOf(error);
    setErrors(found.tiers);
    const conflict = error instanceof ApiError && error.status === 409;
    setBanner(
      conflict
        ? 'Someone else saved the VIP club since you opened it. Reload the page to see their changes, then make yours again.'
        : found.other.join(' ') || (Object.keys(found.tiers).length ? 'Check the highlighted fields.' : errorMessage(error)),
    );
  }

  async function runPreview() {
    setBusy(true);
    const input = toInput(draft);
    try {
      const result = await vipApi.preview(input);
      setErrors({});
      setBanner(null);
      setPreview({ input, result });
    } catch (error) {
      failed(error);
    } finally {
      setBusy(false);
    }
  }

  async function save() {
    if (!preview) return;
    setBusy(true);
    try {
      await vipApi.apply(config.version, preview.input);
      toast('VIP club saved');
      onSaved();
    } catch (error) {
      failed(error);
      setPreview(null);
    } finally {
      setBusy(false);
    }
  }

  const names = draft.tiers.map((t, i) => t.name.trim() || `Tier ${i + 1}`);
  const chart = distribution.tiers.map((t) => ({ label: t.active ? t.name : `${t.name} (removed)`, value: t.members }));
  return (
    <Page
      title="VIP club"
      subtitle={`Configuration version ${config.version}`}
      primaryAction={{ content: 'Preview changes', onAction: runPreview, disabled: !dirty || busy, loading: busy && !preview }}
      secondaryActions={[{ content: 'Discard changes', onAction: () => { setDraft(saved); setErrors({}); setBanner(null); }, disabled: !dirty }]}
    >
      <Layout>
        {banner && (
          <Layout.Section>
            <Banner tone="critical" title="Not saved">{banner}</Banner>
          </Layout.Section>
        )}
        {preview && (
          <Layout.Section>
            <Card>
              <BlockStack gap="300">
                <Text as="h2" variant="headingMd">Preview of your changes</Text>
                <Text as="p">
                  {`Saving re-decides every member's tier now. ${formatNumber(preview.result.up)} would move up and ${formatNumber(preview.result.down)} down; members inside a kept term keep their tier.`}
                </Text>
                <DataTable
                  columnContentTypes={['text', 'numeric']}
                  headings={['Tier', 'Members after saving']}
                  rows={[...preview.result.counts.map((n, i) => [names[i] ?? '', formatNumber(n)]), ['No tier', formatNumber(preview.result.none)]]}
                />
                <Text as="p">{`Moved up: ${formatNumber(preview.result.up)} · Moved down: ${formatNumber(preview.result.down)}`}</Text>
                <BlockStack inlineAlign="start">
                  <Button variant="primary" onClick={save} loading={busy}>Confirm and save</Button>
                </BlockStack>
              </BlockStack>
            </Card>
          </Layout.Section>
        )}
        <Layout.Section>
          {draft.tiers.length ? (
            <BlockStack gap="400">
              {/* Outside a card: on a phone (cards edge to edge) it keeps the page's margin. */}
              <Box paddingInline={{ xs: '400', sm: '0' }}>
                <div ref={top} tabIndex={-1} data-testid="vip-tiers-top">
                  <Text as="h2" variant="headingMd">Tiers, lowest first</Text>
                </div>
              </Box>
              {draft.tiers.map((tier, index) => (
                <TierEditor
                  key={tier.key}
                  tier={tier}
                  position={index}
                  count={draft.tiers.length}
                  currency={shop.currency}
                  rewards={rewards}
                  errors={errors[String(index)] ?? {}}
                  onChange={(next) => setTiers(draft.tiers.map((t, i) => (i === index ? next : t)))}
                  onMove={(delta) => move(index, delta)}
                  onRemove={() => setTiers(draft.tiers.filter((_, i) => i !== index))}
                />
              ))}
              <BlockStack inlineAlign="start">
                <Button onClick={() => setTiers([...draft.tiers, tierDraft()])}>Add a tier</Button>
              </BlockStack>
            </BlockStack>
          ) : (
            <Card>
              <div ref={top} tabIndex={-1} data-testid="vip-tiers-top">
                <EmptyState
                  heading="Reward your best customers with VIP tiers"
                  action={{ content: 'Add a tier', onAction: () => setTiers([tierDraft()]) }}
                  image=""
                >
                  <p>Members reach a tier by spending, orders or points, and earn more points there.</p>
                </EmptyState>
              </div>
            </Card>
          )}
        </Layout.Section>
        <Layout.Section variant="oneThird">
          <BlockStack gap="400">
            <Card>
              <BlockStack gap="300">
                <Text as="h2" variant="headingMd">Downgrades</Text>
                <FormLayout>
                  <Select
                    label="When members stop qualifying"
                    options={[
                      { label: 'Never downgrade', value: 'never' },
                      { label: "At the end of the tier's term", value: 'end_of_period' },
                      { label: 'After a grace period', value: 'grace' },
                    ]}
                    value={draft.downgrade}
                    onChange={(v) => setDraft({ ...draft, downgrade: v as Draft['downgrade'] })}
                  />
                  {draft.downgrade === 'grace' && (
                    <TextField label="Grace period (days)" type="number" min={0} value={draft.grace_days}
                      onChange={(v) => setDraft({ ...draft, grace_days: v })} autoComplete="off" />
                  )}
                </FormLayout>
              </BlockStack>
            </Card>
            <Card>
              {distribution.total ? (
                <TierChart title="Members per tier" total={distribution.total}
                  bars={[...chart, { label: 'No tier', value: distribution.none }]} />
              ) : (
                <BlockStack gap="200">
                  <Text as="h2" variant="headingMd">Members per tier</Text>
                  <Text as="p" tone="subdued">No members yet.</Text>
                </BlockStack>
              )}
            </Card>
          </BlockStack>
        </Layout.Section>
      </Layout>
    </Page>
  );
}

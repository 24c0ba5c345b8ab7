// The earning rules and the rewards catalog: paginated lists, a form to add or edit each
// (edits carry the version read), and deactivation.
import { Badge, BlockStack, Button, InlineStack, Layout, Page, Text } from '@shopify/polaris';
import { useState } from 'react';
import { adminApi, type EarningRule, type EarningRuleInput, type Reward, type RewardInput } from '../adminApi';
import { toast } from '../components/appBridge';
import { asDraft, EditModal, type FieldSpec } from '../components/EditModal';
import { errorMessage } from '../components/errors';
import { ListCard } from '../components/ListCard';
import { usePages } from '../components/usePages';

const humane = (value: string) => value.replace(/_/g, ' ');
const choices = (...values: string[]) => values.map((value) => ({ label: humane(value), value }));

const RULE_FIELDS: FieldSpec[] = [
  { name: 'name', label: 'Name' },
  { name: 'kind', label: 'Kind', options: choices('signup', 'birthday', 'social_follow', 'product_review', 'custom') },
  { name: 'network', label: 'Network (social follow)', options: [{ label: '—', value: '' }, ...choices('instagram', 'facebook', 'tiktok')] },
  { name: 'handle', label: 'Handle (custom actions)' },
  { name: 'points', label: 'Points', type: 'number' },
  { name: 'limit', label: 'Limit', options: choices('once', 'once_per_year', 'per_period', 'unlimited') },
  { name: 'url', label: 'Link (social page)' },
];
const REWARD_FIELDS: FieldSpec[] = [
  { name: 'name', label: 'Name' },
  { name: 'kind', label: 'Kind', options: choices('fixed_amount', 'variable_amount', 'percent_off', 'free_shipping', 'free_product') },
  { name: 'points_cost', label: 'Points cost', type: 'number' },
  { name: 'amount', label: 'Amount off', help: 'Fixed and variable amount rewards.', nullable: true },
  { name: 'percent', label: 'Percent off', help: 'Percent-off rewards.', nullable: true },
  { name: 'minimum_order', label: 'Minimum order', nullable: true },
];
const NEW_RULE = { kind: 'custom', limit: 'once', network: '' };
const NEW_REWARD = { kind: 'fixed_amount' };

type Editing =
  | { what: 'rule'; rule?: EarningRule }
  | { what: 'reward'; reward?: Reward }
  | null;

function ActiveBadge({ active }: { active: boolean }) {
  return active ? <Badge tone="success">Active</Badge> : <Badge>Inactive</Badge>;
}

async function deactivate(run: () => Promise<unknown>, reload: () => void) {
  try {
    await run();
    toast('Deactivated');
    reload();
  } catch (error) {
    toast(errorMessage(error), true);
  }
}

export function RulesRewards() {
  const rules = usePages<EarningRule>('/api/admin/earning-rules', (p, s) => adminApi.rules(p, s));
  const rewards = usePages<Reward>('/api/admin/rewards', (p, s) => adminApi.rewards(p, s));
  const [editing, setEditing] = useState<Editing>(null);
  const close = () => setEditing(null);

  return (
    <Page title="Rules & rewards">
      <Layout>
        <Layout.Section>
          <BlockStack gap="200">
            <InlineStack align="space-between">
              <Text as="h2" variant="headingMd">Ways to earn</Text>
              <Button onClick={() => setEditing({ what: 'rule' })}>Add rule</Button>
            </InlineStack>
            <ListCard<EarningRule>
              title="earning rules"
              empty="No earning rules yet"
              headings={['Name', 'Kind', 'Points', 'Status', '']}
              {...rules}
              row={(rule) => [
                rule.name,
                humane(rule.kind),
                String(rule.points),
                <ActiveBadge key="a" active={rule.active} />,
                <InlineStack key="b" gap="200">
                  <Button onClick={() => setEditing({ what: 'rule', rule })}>Edit</Button>
                  {rule.active && (
                    <Button onClick={() => deactivate(() => adminApi.ruleDeactivate(rule.id), rules.reload)}>Deactivate</Button>
                  )}
                </InlineStack>,
              ]}
            />
          </BlockStack>
        </Layout.Section>
        <Layout.Section>
          <BlockStack gap="200">
            <InlineStack align="space-between">
              <Text as="h2" variant="headingMd">Rewards</Text>
              <Button onClick={() => setEditing({ what: 'reward' })}>Add reward</Button>
            </InlineStack>
            <ListCard<Reward>
              title="rewards"
              empty="No rewards yet"
              headings={['Name', 'Kind', 'Points', 'Status', '']}
              {...rewards}
              row={(reward) => [
                reward.name,
                humane(reward.kind),
                String(reward.points_cost),
                <ActiveBadge key="a" active={reward.active} />,
                <InlineStack key="b" gap="200">
                  <Button onClick={() => setEditing({ what: 'reward', reward })}>Edit</Button>
                  {reward.active && (
                    <Button onClick={() => deactivate(() => adminApi.rewardDeactivate(reward.id), rewards.reload)}>Deactivate</Button>
                  )}
                </InlineStack>,
              ]}
            />
          </BlockStack>
        </Layout.Section>
      </Layout>
      {editing?.what === 'rule' && (
        <EditModal
          title={editing.rule ? 'Edit rule' : 'Add rule'}
          fields={RULE_FIELDS}
          initial={editing.rule ? asDraft(editing.rule, RULE_FIELDS) : asDraft(NEW_RULE, RULE_FIELDS)}
          onClose={close}
          onSubmit={(changed) => {
            const fields = (editing.rule ? changed : { ...NEW_RULE, ...changed }) as EarningRuleInput;
            return editing.rule ? adminApi.ruleUpdate(editing.rule.id, editing.rule.version, fields) : adminApi.ruleCreate(fields);
          }}
          onSaved={() => {
            close();
            toast('Rule saved');
            rules.reload();
          }}
        />
      )}
      {editing?.what === 'reward' && (
        <EditModal
          title={editing.reward ? 'Edit reward' : 'Add reward'}
          fields={REWARD_FIELDS}
          initial={editing.reward ? asDraft(editing.reward, REWARD_FIELDS) : asDraft(NEW_REWARD, REWARD_FIELDS)}
          onClose={close}
          onSubmit={(changed) => {
            const fields = (editing.reward ? changed : { ...NEW_REWARD, ...changed }) as RewardInput;
            return editing.reward
              ? adminApi.rewardUpdate(editing.reward.id, editing.reward.version, fields)
              : adminApi.rewardCreate(fields);
          }}
          onSaved={() => {
            close();
            toast('Reward saved');
            rewards.reload();
          }}
        />
      )}
    </Page>
  );
}

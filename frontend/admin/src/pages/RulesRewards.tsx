// The earning rules and the rewards catalog, each a paginated list with deactivation.
import { Badge, BlockStack, Button, Layout, Page, Text } from '@shopify/polaris';
import { adminApi, type EarningRule, type Reward } from '../adminApi';
import { toast } from '../components/appBridge';
import { errorMessage } from '../components/errors';
import { ListCard } from '../components/ListCard';
import { usePages } from '../components/usePages';

function ActiveBadge({ active }: { active?: boolean }) {
  return active === false ? <Badge>Inactive</Badge> : <Badge tone="success">Active</Badge>;
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
  return (
    <Page title="Rules & rewards">
      <Layout>
        <Layout.Section>
          <BlockStack gap="200">
            <Text as="h2" variant="headingMd">Ways to earn</Text>
            <ListCard<EarningRule>
              title="earning rules"
              empty="No earning rules yet"
              headings={['Name', 'Kind', 'Points', 'Status', '']}
              {...rules}
              row={(rule) => [
                rule.name,
                rule.kind,
                String(rule.points),
                <ActiveBadge key="a" active={rule.active} />,
                rule.active !== false && (
                  <Button key="d" onClick={() => deactivate(() => adminApi.ruleDeactivate(rule.id), rules.reload)}>
                    Deactivate
                  </Button>
                ),
              ]}
            />
          </BlockStack>
        </Layout.Section>
        <Layout.Section>
          <BlockStack gap="200">
            <Text as="h2" variant="headingMd">Rewards</Text>
            <ListCard<Reward>
              title="rewards"
              empty="No rewards yet"
              headings={['Name', 'Kind', 'Points', 'Status', '']}
              {...rewards}
              row={(reward) => [
                reward.name,
                reward.kind,
                String(reward.points_cost),
                <ActiveBadge key="a" active={reward.active} />,
                reward.active !== false && (
                  <Button key="d" onClick={() => deactivate(() => adminApi.rewardDeactivate(reward.id), rewards.reload)}>
                    Deactivate
                  </Button>
                ),
              ]}
            />
          </BlockStack>
        </Layout.Section>
      </Layout>
    </Page>
  );
}

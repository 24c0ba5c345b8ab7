// Plans: the current plan and the others. A paid plan is approved on Shopify's confirmation
// page, opened at the top level (outside the app's iframe); Shopify sends the merchant back to
// the app, which then reads the plan from Shopify.
import { Badge, Banner, BlockStack, Button, Card, InlineGrid, Layout, Page, Text } from '@shopify/polaris';
import { useState } from 'react';
import { plansApi, type Plans as PlansBody } from '../plansApi';
import { toast } from '../components/appBridge';
import { errorMessage } from '../components/errors';
import { formatMoney } from '../components/format';
import { LoadError, PageSkeleton } from '../components/Loading';
import { useLoad } from '../components/useLoad';

/** Leave the iframe for Shopify's page (App Bridge lets `_top` through). */
export function openTop(url: string): void {
  window.open(url, '_top');
}

export function Plans() {
  const [load, reload] = useLoad((signal) => plansApi.plans(signal), []);
  if (load.state === 'loading') return <PageSkeleton title="Plans" />;
  if (load.state === 'error') return <LoadError message={load.message} />;
  return <PlanCards body={load.data} onChanged={reload} />;
}

function PlanCards({ body, onChanged }: { body: PlansBody; onChanged(): void }) {
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function choose(plan: string) {
    setBusy(plan);
    try {
      const result = await plansApi.subscribe(plan);
      if (result.confirmation_url) {
        openTop(result.confirmation_url);
        return;
      }
      toast('Plan changed');
      onChanged();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(null);
    }
  }

  return (
    <Page title="Plans">
      <Layout>
        {error && (
          <Layout.Section>
            <Banner tone="critical" title="The plan was not changed">{error}</Banner>
          </Layout.Section>
        )}
        <Layout.Section>
          <InlineGrid columns={{ xs: 1, md: 2 }} gap="400">
            {body.plans.map((plan) => {
              const current = plan.handle === body.current;
              return (
                <Card key={plan.handle}>
                  <BlockStack gap="300">
                    <Text as="h2" variant="headingMd">
                      {plan.name} {current && <Badge tone="success">Current plan</Badge>}
                    </Text>
                    <Text as="p" variant="headingLg">
                      {plan.price === null ? 'Free' : `${formatMoney(plan.price, plan.currency)} every 30 days`}
                    </Text>
                    {plan.trial_days > 0 && <Text as="p" tone="subdued">{`${plan.trial_days}-day free trial`}</Text>}
                    {!current && (
                      <Button variant="primary" loading={busy === plan.handle} onClick={() => choose(plan.handle)}>
                        {`Choose ${plan.name}`}
                      </Button>
                    )}
                  </BlockStack>
                </Card>
              );
            })}
          </InlineGrid>
        </Layout.Section>
      </Layout>
    </Page>
  );
}

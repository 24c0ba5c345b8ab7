import { Banner, BlockStack, Card, InlineStack, Page, SkeletonBodyText, Text } from '@shopify/polaris';
import { useEffect, useState } from 'react';
import { ApiError, getShop, type Shop } from '../api';
import { formatDate } from '../components/format';

type State =
  | { kind: 'loading' }
  | { kind: 'loaded'; shop: Shop }
  | { kind: 'error'; status: number | string };

export function Home() {
  const [state, setState] = useState<State>({ kind: 'loading' });

  useEffect(() => {
    const controller = new AbortController();
    getShop(controller.signal).then(
      (shop) => setState({ kind: 'loaded', shop }),
      (err: unknown) => {
        if (controller.signal.aborted) return;
        setState({ kind: 'error', status: err instanceof ApiError ? err.status : 'network error' });
      },
    );
    return () => controller.abort();
  }, []);

  return (
    <Page title="Loyalty">
      <Card>
        {state.kind === 'loading' && <SkeletonBodyText lines={4} />}
        {state.kind === 'error' && (
          <Banner tone="critical" title={`Could not load shop: ${state.status}`} />
        )}
        {state.kind === 'loaded' && <ShopDetails shop={state.shop} />}
      </Card>
    </Page>
  );
}

function ShopDetails({ shop }: { shop: Shop }) {
  const rows: [string, string][] = [
    ['Domain', shop.domain],
    ['Currency', shop.currency],
    ['Plan', shop.plan],
    ['Installed', formatDate(shop.installed_at)],
  ];
  return (
    <BlockStack gap="300">
      <Text as="h2" variant="headingMd">
        {shop.name}
      </Text>
      {rows.map(([label, value]) => (
        <InlineStack key={label} gap="200">
          <Text as="span" tone="subdued">
            {label}
          </Text>
          <Text as="span">{value}</Text>
        </InlineStack>
      ))}
    </BlockStack>
  );
}

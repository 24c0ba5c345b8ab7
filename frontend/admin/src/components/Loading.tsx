// What a page shows while its data loads, or when it could not.
import { Banner, Card, Layout, SkeletonBodyText, SkeletonPage } from '@shopify/polaris';

export function PageSkeleton({ title }: { title: string }) {
  return (
    <SkeletonPage title={title}>
      <Layout>
        <Layout.Section>
          <Card>
            <SkeletonBodyText lines={6} />
          </Card>
        </Layout.Section>
      </Layout>
    </SkeletonPage>
  );
}

export function LoadError({ message }: { message: string }) {
  return <Banner tone="critical" title="Could not load this page">{message}</Banner>;
}

// Members per tier as a bar list: each row says its numbers in words, and the bars (drawn
// relative to the largest tier) are decoration hidden from screen readers.
import { BlockStack, Box, InlineStack, Text } from '@shopify/polaris';
import { formatNumber } from './format';

export interface Bar {
  label: string;
  value: number;
}

export function TierChart({ bars, total, title }: { bars: Bar[]; total: number; title: string }) {
  const largest = Math.max(1, ...bars.map((b) => b.value));
  return (
    <BlockStack gap="200">
      <Text as="h2" variant="headingMd">
        {title}
      </Text>
      <ul aria-label={title} style={{ listStyle: 'none', margin: 0, padding: 0 }}>
        {bars.map((bar) => {
          const share = total ? Math.round((bar.value / total) * 100) : 0;
          return (
            <li key={bar.label} style={{ marginBottom: 8 }}>
              <InlineStack align="space-between">
                <Text as="span">{bar.label}</Text>
                <Text as="span" numeric>{`${formatNumber(bar.value)} ${bar.value === 1 ? 'member' : 'members'} (${share}%)`}</Text>
              </InlineStack>
              <div aria-hidden="true" style={{ height: 8, borderRadius: 4, background: '#ebebeb', marginTop: 4 }}>
                <Box background="bg-fill-info" minHeight="8px" borderRadius="100" width={`${(bar.value / largest) * 100}%`} />
              </div>
            </li>
          );
        })}
      </ul>
    </BlockStack>
  );
}

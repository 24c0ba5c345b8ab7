// Enrol existing customers: preview first (how many members, and with retroactive points for
// the last N days: how many points and what they cost), then apply exactly what was previewed.
import { Banner, BlockStack, Button, InlineStack, List, Text, TextField } from '@shopify/polaris';
import { useState } from 'react';
import { onboardingApi, type EnrolPreview, type OnboardingProgress } from '../../onboardingApi';
import { toast } from '../../components/appBridge';
import { errorMessage, fieldErrors } from '../../components/errors';
import { formatMoney } from '../../components/format';

export function EnrolStep({ progress, onEnrolled }: { progress: OnboardingProgress; onEnrolled(p: OnboardingProgress): void }) {
  const [days, setDays] = useState('0');
  const [preview, setPreview] = useState<EnrolPreview | null>(null);
  const [error, setError] = useState<string | undefined>();
  const [banner, setBanner] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function run<T>(call: () => Promise<T>, then: (result: T) => void) {
    setBusy(true);
    try {
      then(await call());
      setError(undefined);
      setBanner(null);
    } catch (err) {
      const fields = fieldErrors(err);
      setError(fields.retroactive_days);
      setBanner(fields.retroactive_days ? null : errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  const previewed = preview !== null && String(preview.retroactive_days) === days;
  return (
    <BlockStack gap="300">
      {progress.enrolled_at && (
        <Text as="p">
          {progress.enrolled_members.toLocaleString()} customers enrolled
          {progress.retroactive_points > 0 && `, ${progress.retroactive_points.toLocaleString()} retroactive points given`}.
        </Text>
      )}
      {banner && <Banner tone="critical" title="Not done">{banner}</Banner>}
      <TextField
        label="Give points for orders of the last N days"
        helpText="0 gives none. Points are given at the earning rate you chose."
        type="number"
        min={0}
        max={365}
        value={days}
        onChange={(value) => {
          setDays(value);
          setPreview(null);
        }}
        error={error}
        autoComplete="off"
      />
      {preview && (
        <List>
          <List.Item>{preview.customers.toLocaleString()} customers become members{preview.excluded > 0 && ` (${preview.excluded} of them excluded by tag)`}</List.Item>
          {preview.retroactive_days > 0 && (
            <List.Item>
              {preview.points.toLocaleString()} points for {preview.orders.toLocaleString()} orders, to{' '}
              {preview.members_earning.toLocaleString()} members, worth{' '}
              {formatMoney(preview.cost, preview.currency)}
            </List.Item>
          )}
        </List>
      )}
      <InlineStack gap="200">
        <Button onClick={() => run(() => onboardingApi.enrolPreview(days), setPreview)} loading={busy && !previewed}>
          Preview
        </Button>
        <Button
          variant="primary"
          disabled={!previewed}
          loading={busy && previewed}
          onClick={() =>
            run(
              () => onboardingApi.enrol(days),
              (next) => {
                onEnrolled(next);
                setPreview(null);
                toast('Customers enrolled');
              },
            )
          }
        >
          Enrol customers
        </Button>
      </InlineStack>
    </BlockStack>
  );
}

// Import balances from another loyalty app: pick the file and its layout, see the dry run's
// progress and its diff (per-row errors first), then confirm to write exactly that file.
import { Badge, Banner, BlockStack, Button, Card, DataTable, DropZone, InlineStack, Layout, Page, ProgressBar, Select, Text } from '@shopify/polaris';
import { useEffect, useState } from 'react';
import { importApi, type ImportBatch, type ImportFormat } from '../importApi';
import { toast } from '../components/appBridge';
import { errorMessage, fieldErrors } from '../components/errors';

/** How often a running batch is read. */
export const IMPORT_POLL_MS = 1000;

const FORMATS: { label: string; value: ImportFormat }[] = [
  { label: 'Smile.io', value: 'smile' },
  { label: 'LoyaltyLion', value: 'loyaltylion' },
  { label: 'Generic (email, points)', value: 'generic' },
];

function finished(batch: ImportBatch): boolean {
  return batch.status === 'done' || batch.status === 'failed';
}

/** Follow a batch until it finishes. */
function useBatch(initial: ImportBatch | null): ImportBatch | null {
  const [batch, setBatch] = useState(initial);
  useEffect(() => setBatch(initial), [initial]);
  const id = batch && !finished(batch) ? batch.id : null;
  useEffect(() => {
    if (!id) return;
    const controller = new AbortController();
    const timer = setInterval(() => {
      importApi.batch(id, controller.signal).then(setBatch, () => undefined);
    }, IMPORT_POLL_MS);
    return () => {
      controller.abort();
      clearInterval(timer);
    };
  }, [id]);
  return batch;
}

export function Import() {
  const [file, setFile] = useState<File | null>(null);
  const [format, setFormat] = useState<ImportFormat>('smile');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [banner, setBanner] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [uploaded, setUploaded] = useState<ImportBatch | null>(null);
  const [started, setStarted] = useState<ImportBatch | null>(null);
  const check = useBatch(uploaded);
  const run = useBatch(started);

  async function act<T>(call: () => Promise<T>, then: (result: T) => void) {
    setBusy(true);
    try {
      then(await call());
      setErrors({});
      setBanner(null);
    } catch (error) {
      const fields = fieldErrors(error);
      setErrors(fields);
      setBanner(Object.keys(fields).length ? null : errorMessage(error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Page title="Import points" subtitle="Carry balances over from your previous rewards program.">
      <Layout>
        {banner && (
          <Layout.Section>
            <Banner tone="critical" title="The file was not imported">{banner}</Banner>
          </Layout.Section>
        )}
        <Layout.Section>
          <Card>
            <BlockStack gap="300">
              <Select label="The file comes from" options={FORMATS} value={format} onChange={(v) => setFormat(v as ImportFormat)} error={errors.format} />
              <DropZone label="CSV file" accept=".csv,text/csv" allowMultiple={false} onDrop={(files) => setFile(files[0] ?? null)} error={!!errors.file}>
                {file ? <Text as="p" alignment="center">{file.name}</Text> : <DropZone.FileUpload actionHint="Accepts .csv" />}
              </DropZone>
              {errors.file && <Text as="p" tone="critical">{errors.file}</Text>}
              <InlineStack>
                <Button
                  variant="primary"
                  disabled={!file}
                  loading={busy && !check}
                  onClick={() => file && act(() => importApi.upload(file, format), (batch) => {
                    setStarted(null);
                    setUploaded(batch);
                  })}
                >
                  Check the file
                </Button>
              </InlineStack>
            </BlockStack>
          </Card>
        </Layout.Section>
        {check && (
          <Layout.Section>
            <BatchCard title="Check (nothing is written yet)" batch={check}>
              {check.status === 'done' && !run && (
                <Button variant="primary" loading={busy} disabled={check.rows_changed === 0} onClick={() => act(() => importApi.confirm(check.id), (batch) => {
                  setStarted(batch);
                  toast('Import started');
                })}>
                  {`Import ${check.rows_changed.toLocaleString()} balances`}
                </Button>
              )}
            </BatchCard>
          </Layout.Section>
        )}
        {run && (
          <Layout.Section>
            <BatchCard title="Import" batch={run} />
          </Layout.Section>
        )}
      </Layout>
    </Page>
  );
}

function BatchCard({ title, batch, children }: { title: string; batch: ImportBatch; children?: React.ReactNode }) {
  const percent = batch.rows_total ? Math.round((batch.rows_done / batch.rows_total) * 100) : 0;
  const rows = batch.report.map((row) => [
    String(row.line),
    row.email,
    row.status === 'error' ? 'Error' : row.status === 'changed' ? 'Changes' : 'No change',
    row.current ?? '',
    row.target ?? '',
    row.delta ? (row.delta > 0 ? `+${row.delta}` : String(row.delta)) : '',
    row.error ?? '',
  ]);
  return (
    <Card>
      <BlockStack gap="300">
        <InlineStack gap="200" blockAlign="center">
          <Text as="h2" variant="headingMd">{title}</Text>
          <Badge tone={batch.status === 'failed' ? 'critical' : batch.status === 'done' ? 'success' : 'info'}>{batch.status}</Badge>
        </InlineStack>
        {!finished(batch) && <ProgressBar progress={percent} size="small" />}
        <Text as="p">
          {`${batch.rows_done.toLocaleString()} of ${batch.rows_total.toLocaleString()} rows: ${batch.rows_changed} to change, ${batch.rows_unchanged} unchanged, ${batch.rows_failed} with errors`}
        </Text>
        {batch.error && <Banner tone="critical" title="The import failed">{batch.error}</Banner>}
        {rows.length > 0 && (
          <DataTable
            columnContentTypes={['numeric', 'text', 'text', 'numeric', 'numeric', 'numeric', 'text']}
            headings={['Line', 'Email', 'Result', 'Imported so far', 'In the file', 'Change', 'Error']}
            rows={rows}
          />
        )}
        {batch.report_truncated && <Text as="p" tone="subdued">Only the first rows are shown (errors first).</Text>}
        {children}
      </BlockStack>
    </Card>
  );
}

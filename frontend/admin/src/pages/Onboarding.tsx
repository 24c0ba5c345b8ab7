// Onboarding, where a new install lands: the initial sync's progress, the program template,
// enrolment of existing customers (preview, then apply), the launcher's app embed, launch.
// Each step's state comes from the server, so leaving and coming back resumes where it was.
import { Badge, Banner, BlockStack, Button, Card, InlineStack, Layout, Page, ProgressBar, Text } from '@shopify/polaris';
import { useEffect, useState, type ReactNode } from 'react';
import { onboardingApi, type LauncherStatus, type OnboardingProgress, type ProgramTemplate, type SyncProgress } from '../onboardingApi';
import { toast } from '../components/appBridge';
import { errorMessage } from '../components/errors';
import { LoadError, PageSkeleton } from '../components/Loading';
import { useLoad } from '../components/useLoad';
import { navigate } from '../router';
import { EnrolStep } from './onboarding/EnrolStep';
import { TemplateStep, templateLoad } from './onboarding/TemplateStep';

/** How often the sync's progress is read while it runs. */
export const POLL_MS = 2000;

export function Onboarding() {
  // The template's defaults are read with the progress, before the steps show: its form
  // appearing afterwards pushed every step below it down (CLS 0.22, bench/admin_vitals.py).
  const [load, , replace] = useLoad(async (signal) => {
    const progress = await onboardingApi.progress(signal);
    return { progress, template: progress.template_applied_at ? null : await templateLoad(signal) };
  }, []);
  if (load.state === 'loading') return <PageSkeleton title="Set up your rewards program" />;
  if (load.state === 'error') return <LoadError message={load.message} />;
  const { template } = load.data;
  return <Steps progress={load.data.progress} template={template} onProgress={(progress) => replace({ progress, template })} />;
}

function Steps({
  progress,
  template,
  onProgress,
}: {
  progress: OnboardingProgress;
  template: ProgramTemplate | null;
  onProgress(p: OnboardingProgress): void;
}) {
  const [synced, setSynced] = useState(false);
  const [launcherOn, setLauncherOn] = useState(false);
  return (
    <Page title="Set up your rewards program">
      <Layout>
        <Layout.Section>
          <BlockStack gap="400">
            <Step number={1} title="Import your customers and orders" done={synced}>
              <SyncStep onDone={() => setSynced(true)} />
            </Step>
            <Step number={2} title="Choose how customers earn and spend" done={!!progress.template_applied_at}>
              <TemplateStep onApplied={onProgress} applied={!!progress.template_applied_at} initial={template} />
            </Step>
            <Step number={3} title="Enrol your existing customers" done={!!progress.enrolled_at}>
              <EnrolStep progress={progress} onEnrolled={onProgress} />
            </Step>
            <Step number={4} title="Turn on the rewards launcher" done={launcherOn}>
              <LauncherStep onActive={setLauncherOn} />
            </Step>
            <Step number={5} title="Launch" done={!!progress.launched_at}>
              <LaunchStep progress={progress} onLaunched={onProgress} />
            </Step>
          </BlockStack>
        </Layout.Section>
      </Layout>
    </Page>
  );
}

function Step({ number, title, done, children }: { number: number; title: string; done: boolean; children: ReactNode }) {
  return (
    <Card>
      <BlockStack gap="300">
        <InlineStack gap="200" blockAlign="center">
          <Text as="h2" variant="headingMd">
            {number}. {title}
          </Text>
          {done && <Badge tone="success">Done</Badge>}
        </InlineStack>
        {children}
      </BlockStack>
    </Card>
  );
}

const STATUS: Record<string, string> = {
  pending: 'Waiting to start',
  running: 'Shopify is preparing the data',
  importing: 'Importing',
  completed: 'Imported',
  failed: 'Failed',
};

function SyncStep({ onDone }: { onDone(): void }) {
  const [sync, setSync] = useState<SyncProgress | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setInterval> | undefined;
    const read = () =>
      onboardingApi.sync(controller.signal).then(
        (next) => {
          setSync(next);
          setError(null);
          if (next.done || next.failed) {
            clearInterval(timer);
            if (next.done) onDone();
          }
        },
        (err: unknown) => {
          if (!controller.signal.aborted) setError(errorMessage(err));
        },
      );
    void read();
    timer = setInterval(read, POLL_MS);
    return () => {
      controller.abort();
      clearInterval(timer);
    };
  }, []);
  if (error) return <Banner tone="warning" title="Could not read the import's progress">{error}</Banner>;
  if (!sync) return <ProgressBar progress={0} size="small" />;
  const percent = Math.round(sync.fraction * 100);
  return (
    <BlockStack gap="200">
      <ProgressBar progress={percent} size="small" tone={sync.failed ? 'critical' : 'highlight'} />
      <Text as="p" tone="subdued">
        {sync.runs.length === 0 ? 'The import has not started yet.' : `${percent}% imported`}
      </Text>
      {sync.runs.map((run) => (
        <Text as="p" key={run.resource}>
          {run.resource === 'customers' ? 'Customers' : 'Orders'}: {STATUS[run.status] ?? run.status}
          {run.records_processed > 0 && ` (${run.records_processed.toLocaleString()})`}
          {run.error && ` — ${run.error}`}
        </Text>
      ))}
    </BlockStack>
  );
}

function LauncherStep({ onActive }: { onActive(active: boolean): void }) {
  const [tick, setTick] = useState(0);
  const [load] = useLoad<LauncherStatus>((signal) => onboardingApi.launcher(signal), [tick]);
  const active = load.state === 'loaded' && load.data.active;
  useEffect(() => onActive(active), [active]);
  if (load.state === 'loading') return <ProgressBar progress={0} size="small" />;
  return (
    <BlockStack gap="200">
      {load.state === 'error' && <Banner tone="warning" title="Could not check the theme">{load.message}</Banner>}
      {load.state === 'loaded' && (
        <Text as="p">
          {active
            ? `The launcher is on in ${load.data.theme_name || 'your theme'}.`
            : 'Switch the launcher on in the theme editor (App embeds), save, then check again.'}
        </Text>
      )}
      <InlineStack gap="200">
        {load.state === 'loaded' && !active && (
          <Button url={load.data.editor_url} target="_blank" variant="primary">
            Open the theme editor
          </Button>
        )}
        <Button onClick={() => setTick((t) => t + 1)}>Check again</Button>
      </InlineStack>
    </BlockStack>
  );
}

function LaunchStep({ progress, onLaunched }: { progress: OnboardingProgress; onLaunched(p: OnboardingProgress): void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (progress.launched_at) {
    return (
      <InlineStack gap="200" blockAlign="center">
        <Text as="p">Your program is live.</Text>
        <Button onClick={() => navigate('/program')}>Go to the program</Button>
      </InlineStack>
    );
  }
  async function launch() {
    setBusy(true);
    try {
      onLaunched(await onboardingApi.launch());
      toast('Your rewards program is live');
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <BlockStack gap="200">
      {error && <Banner tone="critical" title="Not launched">{error}</Banner>}
      <Text as="p">Customers start earning and redeeming as soon as you launch. You can change everything later.</Text>
      <InlineStack>
        <Button variant="primary" onClick={launch} loading={busy}>
          Launch the program
        </Button>
      </InlineStack>
    </BlockStack>
  );
}

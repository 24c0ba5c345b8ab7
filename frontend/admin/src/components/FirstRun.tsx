// The app's home sends a shop that has not launched yet to the onboarding (a new install lands
// there); once launched, or if the progress cannot be read, it shows the home page.
import { useEffect, useState, type ReactNode } from 'react';
import { onboardingApi } from '../onboardingApi';
import { navigate } from '../router';

export function FirstRun({ children }: { children: ReactNode }) {
  const [launched, setLaunched] = useState<boolean | null>(null);
  useEffect(() => {
    const controller = new AbortController();
    onboardingApi.progress(controller.signal).then(
      (progress) => {
        if (progress.launched_at === null) navigate('/onboarding');
        else setLaunched(true);
      },
      () => {
        if (!controller.signal.aborted) setLaunched(true);
      },
    );
    return () => controller.abort();
  }, []);
  return launched ? <>{children}</> : null;
}

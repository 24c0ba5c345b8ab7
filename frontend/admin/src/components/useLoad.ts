// Load data for a page, with abort on unmount and a reload for after a write. While new data
// loads (a filter changed, a reload) the last data stays, marked `refreshing`, so a list can
// say it is loading without emptying itself.
import { useCallback, useEffect, useState } from 'react';
import { errorMessage } from './errors';

export type Load<T> =
  | { state: 'loading' }
  | { state: 'loaded'; data: T; refreshing?: boolean }
  | { state: 'error'; message: string };

export function useLoad<T>(
  fetcher: (signal: AbortSignal) => Promise<T>,
  deps: unknown[],
): [Load<T>, () => void, (data: T) => void] {
  const [load, setLoad] = useState<Load<T>>({ state: 'loading' });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const controller = new AbortController();
    setLoad((load) => (load.state === 'loaded' && !load.refreshing ? { ...load, refreshing: true } : load));
    fetcher(controller.signal).then(
      (data) => setLoad({ state: 'loaded', data }),
      (error: unknown) => {
        if (!controller.signal.aborted) setLoad({ state: 'error', message: errorMessage(error) });
      },
    );
    return () => controller.abort();
    // `fetcher` is a new closure each render: the caller lists what it depends on in `deps`.
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  const replace = useCallback((data: T) => setLoad({ state: 'loaded', data }), []);
  return [load, reload, replace];
}

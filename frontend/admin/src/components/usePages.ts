// Cursor pagination over an admin list: the first page's path, then each page's next/previous.
import { useState } from 'react';
import { pagePath, type Page } from '../adminApi';
import { useLoad, type Load } from './useLoad';

export function usePages<T>(
  firstPath: string,
  fetchPage: (path: string, signal: AbortSignal) => Promise<Page<T>>,
): { load: Load<Page<T>>; next?: () => void; previous?: () => void; reload: () => void } {
  const [path, setPath] = useState<string | null>(null);
  const current = path ?? firstPath;
  const [load, reload] = useLoad((signal) => fetchPage(current, signal), [current]);
  const page = load.state === 'loaded' ? load.data : null;
  return {
    load,
    reload,
    next: page?.next ? () => setPath(pagePath(page.next!)) : undefined,
    previous: page?.previous ? () => setPath(pagePath(page.previous!)) : undefined,
  };
}

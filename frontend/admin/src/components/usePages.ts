// Cursor pagination over an admin list: the first page's path, then each page's next/previous.
import { useState } from 'react';
import { pagePath, type Page } from '../adminApi';
import { useLoad, type Load } from './useLoad';

export function usePages<T>(
  firstPath: string,
  fetchPage: (path: string, signal: AbortSignal) => Promise<Page<T>>,
): { load: Load<Page<T>>; next?: () => void; previous?: () => void; reload: () => void } {
  // A followed cursor belongs to the list it came from: new filters start again at page one.
  const [cursor, setCursor] = useState<{ first: string; path: string } | null>(null);
  const current = cursor && cursor.first === firstPath ? cursor.path : firstPath;
  const setPath = (path: string) => setCursor({ first: firstPath, path });
  const [load, reload] = useLoad((signal) => fetchPage(current, signal), [current]);
  const page = load.state === 'loaded' ? load.data : null;
  return {
    load,
    reload,
    next: page?.next ? () => setPath(pagePath(page.next!)) : undefined,
    previous: page?.previous ? () => setPath(pagePath(page.previous!)) : undefined,
  };
}

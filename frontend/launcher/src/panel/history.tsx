/** @jsxImportSource preact */
import { useState } from 'preact/hooks';
import { getJson } from '../api';
import { explain } from '../model';
import type { HistoryEntry, HistoryPage } from '../types';
import { useEnv } from './context';
import { ErrorText, ViewTitle } from './widgets';

/** The ledger, newest first, each entry with its explanation; further pages on request. */
export function History() {
  const { i18n, points, config } = useEnv();
  const first = points.member?.history || { entries: [], next_cursor: null };
  const [entries, setEntries] = useState<HistoryEntry[]>(first.entries);
  const [cursor, setCursor] = useState<string | null>(first.next_cursor);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const more = () => {
    if (busy || !cursor) return;
    setBusy(true);
    setError(null);
    const url = `${config.proxyPath}/api/points/history?cursor=${encodeURIComponent(cursor)}`;
    getJson<HistoryPage>(url).then(
      (page) => {
        setEntries((old) => [...old, ...page.entries]);
        setCursor(page.next_cursor);
        setBusy(false);
      },
      (e) => {
        setError(e);
        setBusy(false);
      },
    );
  };
  return (
    <div>
      <ViewTitle>{i18n.t('history_title')}</ViewTitle>
      {entries.length ? (
        <ul class="lly-cards">
          {entries.map((e) => (
            <li key={e.id} class="lly-card">
              <div class="lly-row">
                <strong>{e.description || e.kind}</strong>
                <span class={e.points < 0 ? 'lly-minus' : 'lly-plus'}>
                  {(e.points > 0 ? '+' : '−') + i18n.points(Math.abs(e.points))}
                </span>
              </div>
              {explain(e, i18n) ? <p>{explain(e, i18n)}</p> : null}
              <p class="lly-muted">
                {i18n.date(e.created_at)}
                {e.status === 'pending' ? ` · ${i18n.t('status_pending')}` : ''}
              </p>
            </li>
          ))}
        </ul>
      ) : (
        <p>{i18n.t('history_none')}</p>
      )}
      <ErrorText error={error} />
      {cursor ? (
        <button type="button" class="lly-btn2" onClick={more} aria-disabled={busy}>
          {i18n.t('history_more')}
        </button>
      ) : null}
    </div>
  );
}

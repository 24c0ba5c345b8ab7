import { act } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { backend, cleanup, click, renderAt, settle } from '../test/harness';
import { IMPORT_POLL_MS } from './Import';

const BATCH = {
  id: '7d3c7a43-1111-4222-8333-444455556666',
  format: 'smile',
  filename: 'smile.csv',
  dry_run: true,
  status: 'running',
  rows_total: 3,
  rows_done: 1,
  rows_changed: 0,
  rows_unchanged: 0,
  rows_failed: 0,
  report: [],
  report_truncated: false,
  error: '',
  created_at: '2026-12-03T10:00:00Z',
  finished_at: null,
};
const CHECKED = {
  ...BATCH,
  status: 'done',
  rows_done: 3,
  rows_changed: 1,
  rows_failed: 2,
  report: [
    { line: 3, email: '<b>nobody</b>@example.com', status: 'error', error: 'no customer with this email' },
    { line: 4, email: 'bob@example.com', status: 'error', error: 'points: not a number' },
    { line: 2, email: 'ada@example.com', status: 'changed', current: 0, target: 120, delta: 120 },
  ],
};

async function pick(name: string, content: string) {
  const input = document.querySelector('input[type="file"]') as HTMLInputElement;
  const file = new File([content], name, { type: 'text/csv' });
  Object.defineProperty(input, 'files', { value: [file], configurable: true });
  await act(async () => input.dispatchEvent(new Event('change', { bubbles: true })));
  await settle();
}

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

describe('Import page', () => {
  it('uploads for a check, polls its progress, shows the diff with errors, then confirms', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const calls = backend({
      'POST /api/admin/imports': [202, BATCH],
      [`GET /api/admin/imports/${BATCH.id}`]: [200, CHECKED],
      [`POST /api/admin/imports/${BATCH.id}/confirm`]: [202, { ...BATCH, id: 'real', dry_run: false, status: 'done', rows_done: 3, rows_changed: 1 }],
    });
    await renderAt('/import');
    await pick('smile.csv', 'Email,Points Balance\nada@example.com,120\n');
    await click('Check the file');

    const upload = calls.find((c) => c.method === 'POST')!;
    expect(upload.path).toBe('/api/admin/imports');
    const form = upload.body as FormData;
    expect(form.get('format')).toBe('smile');
    expect((form.get('file') as File).name).toBe('smile.csv');
    expect(document.body.textContent).toContain('1 of 3 rows');
    expect(document.querySelector('progress')?.getAttribute('value')).toBe('33');

    await act(async () => vi.advanceTimersByTime(IMPORT_POLL_MS));
    await settle();
    const text = document.body.textContent ?? '';
    expect(text).toContain('3 of 3 rows: 1 to change, 0 unchanged, 2 with errors');
    expect(text).toContain('points: not a number');
    expect(text).toContain('+120');
    expect(document.body.innerHTML).not.toContain('<b>nobody</b>'); // markup shows as text
    expect(text).toContain('<b>nobody</b>@example.com');

    await click('Import 1 balances');
    expect(calls.some((c) => c.method === 'POST' && c.path.endsWith('/confirm'))).toBe(true);
    expect(document.body.textContent).not.toContain('Import 1 balances'); // confirmed once
  });

  it('shows why a file was refused', async () => {
    backend({
      'POST /api/admin/imports': [400, { message: 'Missing column(s): points.', code: 'invalid_import', extra: {} }],
    });
    await renderAt('/import');
    await pick('bad.csv', 'email\nada@example.com\n');
    await click('Check the file');

    expect(document.body.textContent).toContain('Missing column(s): points.');
  });
});

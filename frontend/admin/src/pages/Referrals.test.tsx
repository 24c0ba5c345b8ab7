import { act } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { backend, cleanup, click, field, renderAt, settle, type } from '../test/harness';

const PROGRAM = {
  active: true,
  referrer_points: 1000,
  offer_kind: 'percent',
  offer_value: '10.00',
  minimum_order: null,
  code_expiry_days: 30,
  attribution_days: 30,
  hold_days: 14,
  fraud_checks: true,
  velocity_per_referrer: 10,
  velocity_per_ip: 10,
  velocity_days: 7,
  version: 'v1',
  updated_at: '2026-12-01T00:00:00Z',
};
const STATS = { invited: 12, claimed: 5, completed: 2, held: 1, rejected: 1, reversed: 0, revenue: '1234.50', currency: 'EUR' };

function referral(over: Record<string, unknown>) {
  return {
    id: 1,
    referrer: { member_id: 9, customer_id: '501', email: 'ada@example.com' },
    friend_email: 'bob@example.com',
    status: 'claimed',
    discount_code: 'FRIEND-AAAA',
    code_status: 'issued',
    attributed_by: '',
    order_id: null,
    order_total: null,
    reward_points: 0,
    reward_status: '',
    fraud_rule: '',
    fraud_evidence: {},
    decided_by: '',
    decided_at: null,
    decision_note: '',
    claimed_at: '2026-12-01T10:00:00Z',
    completed_at: null,
    ...over,
  };
}

const SELF = referral({
  id: 3,
  friend_email: 'ada+x@example.com',
  status: 'rejected',
  fraud_rule: 'self_email',
  fraud_evidence: { friend_email: 'ada@example.com', referrer_email: 'ada@example.com' },
  decided_at: '2026-12-01T10:00:00Z',
});
const HELD = referral({
  id: 2,
  friend_email: 'carol@example.com',
  status: 'held',
  order_id: '7001',
  order_total: '30.00',
  attributed_by: 'code',
  fraud_rule: 'velocity_referrer',
  fraud_evidence: { findings: [{ rule: 'velocity_referrer', decision: 'hold', evidence: { referrals: 2, days: 7 } }] },
});

afterEach(cleanup);

function routes(over: Record<string, unknown> = {}) {
  return backend({
    'GET /api/admin/referrals/program': [200, PROGRAM],
    'GET /api/admin/referrals/stats': [200, STATS],
    'GET /api/admin/referrals': [200, { referrals: [HELD, SELF], next_before: null }],
    ...(over as object),
  });
}

describe('Referrals page', () => {
  it('shows the funnel in the shop’s currency and each decision’s rule and evidence in words', async () => {
    routes();
    await renderAt('/referrals');
    const text = document.body.textContent!;
    expect(document.querySelector('h1')!.textContent).toBe('Referrals');
    expect(text).toContain('Link visits12');
    expect(text).toContain('€1,234.50');
    expect(text).toContain('Same email as the referrer (an alias) (rejected)');
    expect(text).toContain('Friend’s email: ada@example.com');
    expect(text).toContain('Referrer’s email: ada@example.com');
    expect(text).toContain('Decided by: The fraud rules');
    expect(text).toContain('Many referrals by this referrer (held)');
    expect(text).toContain('Referrals: 2');
    expect(text).toContain('#7001 · €30.00 (by code)');
  });

  it('approves a held referral after a confirmation, with a note, then reloads the list', async () => {
    const calls = routes({
      'POST /api/admin/referrals/2/approve': [200, { ...HELD, status: 'completed', decided_by: 'staff:42' }],
    });
    await renderAt('/referrals');
    const approve = document.querySelector<HTMLButtonElement>('button[aria-label="Approve the referral of carol@example.com"]')!;
    await act(async () => approve.click());
    await settle();
    expect(document.body.textContent).toContain('Approve this referral?');
    expect(calls.some((c) => c.method === 'POST')).toBe(false); // nothing until confirmed
    await type(field('Note (optional, staff only)'), 'Checked by phone');
    const buttons = [...document.querySelectorAll<HTMLButtonElement>('button')].filter((b) => b.textContent === 'Approve');
    await act(async () => buttons[buttons.length - 1]!.click());
    await settle();
    const post = calls.find((c) => c.method === 'POST')!;
    expect(post.path).toBe('/api/admin/referrals/2/approve');
    expect(post.body).toEqual({ note: 'Checked by phone' });
    expect(calls.filter((c) => c.path === '/api/admin/referrals').length).toBe(2);
    expect(document.body.textContent).not.toContain('Approve this referral?');
  });

  it('filters by status', async () => {
    const calls = routes();
    await renderAt('/referrals');
    const select = document.querySelector<HTMLSelectElement>('select')!;
    await act(async () => {
      select.value = 'held';
      select.dispatchEvent(new Event('change', { bubbles: true }));
    });
    await settle();
    expect(calls.map((c) => c.path)).toContain('/api/admin/referrals?status=held');
  });

  it('keeps the last rows while a filter’s rows load, and says (for screen readers too) that they load', async () => {
    routes();
    await renderAt('/referrals');
    const answer = globalThis.fetch;
    vi.stubGlobal(
      'fetch',
      vi.fn((input: string, init?: RequestInit) => (input.includes('status=held') ? new Promise(() => undefined) : answer(input, init))),
    );
    const select = document.querySelector<HTMLSelectElement>('select')!;
    await act(async () => {
      select.value = 'held';
      select.dispatchEvent(new Event('change', { bubbles: true }));
    });
    await settle();
    const status = [...document.querySelectorAll('[role="status"]')].map((s) => s.textContent);
    expect(status).toContain('Loading referrals…');
    expect(document.body.textContent).toContain('carol@example.com');
  });

  it('says a referral was decided in the meantime when a decision is refused, and groups the funnel’s digits', async () => {
    const calls = routes({
      'GET /api/admin/referrals/stats': [200, { ...STATS, invited: 1234567 }],
      'POST /api/admin/referrals/2/reject': [
        409,
        { message: 'Only a held or rejected referral…', code: 'referral_not_reviewable', extra: { status: 'rejected' } },
      ],
    });
    await renderAt('/referrals');
    expect(document.body.textContent).toContain('Link visits1,234,567');
    const reject = document.querySelector<HTMLButtonElement>('button[aria-label="Reject the referral of carol@example.com"]')!;
    await act(async () => reject.click());
    await settle();
    const buttons = [...document.querySelectorAll<HTMLButtonElement>('button')].filter((b) => b.textContent === 'Reject');
    await act(async () => buttons[buttons.length - 1]!.click());
    await settle();
    expect(document.body.textContent).toContain('This referral is rejected now: it was decided since the list was loaded.');
    await click('Cancel');
    expect(calls.filter((c) => c.path === '/api/admin/referrals').length).toBe(2); // read again
  });

  it('saves the settings with the version it read, only what changed', async () => {
    const calls = routes({
      'PATCH /api/admin/referrals/program': (call: { body: object }) => [200, { ...PROGRAM, ...call.body, version: 'v2' }],
    });
    await renderAt('/referrals');
    await type(field('Referrer reward (points)'), '1500');
    await click('Save');
    const patch = calls.find((c) => c.method === 'PATCH')!;
    expect(patch.headers.get('If-Match')).toBe('v1');
    expect(patch.body).toEqual({ referrer_points: '1500' });
    expect(document.body.textContent).not.toContain('Unsaved changes');
  });

  it('explains a concurrent edit (409) instead of overwriting it', async () => {
    routes({
      'PATCH /api/admin/referrals/program': [409, { message: 'Someone else changed this since you opened it.', code: 'version_conflict', extra: {} }],
    });
    await renderAt('/referrals');
    await type(field('Hold period (days)'), '3');
    await click('Save');
    expect(document.body.textContent).toContain('Someone else changed this since you opened it.');
    expect(document.body.textContent).toContain('Unsaved changes');
  });

  it('has an empty state, and an error state when the page cannot load', async () => {
    routes({ 'GET /api/admin/referrals': [200, { referrals: [], next_before: null }] });
    await renderAt('/referrals');
    expect(document.body.textContent).toContain('No referrals yet');
    cleanup();
    routes({ 'GET /api/admin/referrals/stats': [500, { message: 'Server error', code: 'error', extra: {} }] });
    await renderAt('/referrals');
    expect(document.body.textContent).toContain('Could not load this page');
  });
});

import { act } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { backend, cleanup, click, field, renderAt, settle, type } from '../test/harness';

const MEMBER = {
  id: 7,
  customer_shopify_id: 70,
  email: 'ada@example.com',
  first_name: '<img src=x onerror=alert(1)>',
  last_name: 'Lovelace',
  state: 'active',
  excluded_reason: '',
  balance: 120,
  pending: 0,
  lifetime_earned: 120,
  joined_at: '2026-01-01T00:00:00Z',
  last_activity_at: '2026-01-01T00:00:00Z',
};
const PROFILE = {
  member: MEMBER,
  balance_value: '1.20',
  currency: 'EUR',
  shortfall: 0,
  lots: [{ id: 3, amount: 120, remaining: 120, earned_at: '2026-01-01T00:00:00Z', expires_at: null }],
  history: [
    { id: 9, amount: 120, kind: 'order', status: 'posted', reason: '', note: '', created_by: '', created_at: '2026-01-01T00:00:00Z', posts_at: null, expires_at: null, lot: { id: 3, amount: 120, remaining: 120, earned_at: '2026-01-01T00:00:00Z', expires_at: null }, allocations: [] },
  ],
  codes: [],
  vip: { tier: null, term_start: null, kept_until: null, assigned_by: '', history: [] },
};
const VIP_CONFIG = { version: '0', enabled: true, downgrade: 'end_of_period', grace_days: 30, tiers: [] };

afterEach(cleanup);

describe('Customers', () => {
  it('lists members with markup in names shown as text, and searches', async () => {
    const calls = backend({ 'GET /api/admin/members': [200, { next: null, previous: null, results: [MEMBER] }] });
    const container = await renderAt('/customers');

    expect(container.textContent).toContain('<img src=x onerror=alert(1)> Lovelace');
    expect(container.querySelector('img')).toBeNull();

    await type(field('Search'), 'ada');
    await settle();
    expect(calls.at(-1)!.path).toContain('search=ada');
  });

  it('follows the next cursor to the second page', async () => {
    const second = { ...MEMBER, id: 8, first_name: 'Grace', last_name: 'Hopper' };
    const calls = backend({
      'GET /api/admin/members': (call) =>
        call.path.includes('cursor=abc')
          ? [200, { next: null, previous: 'http://testserver/api/admin/members?cursor=prev', results: [second] }]
          : [200, { next: 'http://testserver/api/admin/members?cursor=abc&sort=-balance', previous: null, results: [MEMBER] }],
    });
    const container = await renderAt('/customers');

    const next = container.querySelector<HTMLButtonElement>('button[aria-label="Next"]')!;
    await act(async () => next.click());
    await settle();

    expect(calls.at(-1)!.path).toBe('/api/admin/members?cursor=abc&sort=-balance');
    expect(container.textContent).toContain('Grace Hopper');

    await type(field('Search'), 'grace');
    await settle();
    expect(calls.at(-1)!.path).toBe('/api/admin/members?sort=-last_activity_at&search=grace');
  });

  it('adjusts points after a confirmation, sending an Idempotency-Key', async () => {
    const calls = backend({
      'GET /api/admin/members/7': [200, PROFILE],
      'GET /api/admin/vip': [200, VIP_CONFIG],
      'POST /api/admin/members/7/adjustments': [201, { entry: PROFILE.history[0], member: { ...MEMBER, balance: 370 } }],
    });
    const container = await renderAt('/customers/7');
    expect(container.textContent).toContain('opened lot 3');
    expect(container.textContent).toContain('120 (€1.20)'); // in the shop's currency
    expect(container.textContent).toContain('No codes yet');

    await click('Adjust points');
    await type(field('Points'), '250');
    await type(field('Reason (staff only)'), 'goodwill');
    await click('Review');
    expect(document.body.textContent).toContain('Add 250 points for');
    expect(document.body.textContent).toContain('The customer sees no note.');
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0);
    await click('Confirm');

    const [post] = calls.filter((c) => c.method === 'POST');
    expect(post.body).toEqual({ points: 250, reason: 'goodwill', note: '' });
    expect(post.headers.get('Idempotency-Key')).toMatch(/.{8,}/);
    await act(async () => {});
    expect(calls.filter((c) => c.path === '/api/admin/members/7').length).toBe(2); // reloaded
  });
});

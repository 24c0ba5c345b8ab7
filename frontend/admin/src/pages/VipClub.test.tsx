import { act } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { backend, cleanup, click, field, fieldError, renderAt, settle, type } from '../test/harness';

const SHOP = { domain: 'demo.myshopify.com', name: 'Demo', currency: 'EUR', plan: 'free', installed_at: null };
const SILVER = {
  id: 3, name: 'Silver', rank: 1, basis: 'spent', period: 'lifetime', threshold: '100.00', multiplier: '1.250',
  entry_points: 0, perks: 'Free shipping', customer_tag: 'VIP-Silver', invitation_only: false,
  discount_percent: '0.00', entry_reward_id: null, perk_reward_id: null, perk_every: '',
  membership_variant_id: null, membership_term: 0, membership_term_unit: 'months',
};
const REWARD = { id: 21, name: '$5 off', kind: 'fixed_amount', active: true };
const SHIPPING = { id: 22, name: 'Free shipping code', kind: 'free_shipping', active: true };
const VARIABLE = { id: 23, name: 'Points for cash', kind: 'variable_amount', active: true };
const REWARDS = { next: null, previous: null, results: [REWARD, SHIPPING, VARIABLE] };
const CLUB = { ...SILVER, id: 4, name: 'Inner circle', rank: 2, invitation_only: true, threshold: '0.00' };
const CONFIG = { version: '1', enabled: true, downgrade: 'end_of_period', grace_days: 30, tiers: [SILVER] };
const EMPTY = { ...CONFIG, version: '0', tiers: [] };
const DISTRIBUTION = {
  tiers: [{ id: 3, name: 'Silver', rank: 1, invitation_only: false, active: true, members: 6 }],
  none: 4,
  total: 10,
};
const PREVIEW = { counts: [6, 2], none: 2, up: 2, down: 0 };

afterEach(cleanup);

async function choose(label: string, value: string): Promise<void> {
  const select = field(label) as unknown as HTMLSelectElement;
  await act(async () => {
    select.value = value;
    select.dispatchEvent(new Event('change', { bubbles: true }));
  });
}

function optionsOf(label: string): string[] {
  return [...(field(label) as unknown as HTMLSelectElement).options].map((o) => o.textContent ?? '');
}

function text(): string {
  return document.body.textContent ?? '';
}

describe('VIP club page', () => {
  it('offers to create the first tier when there is none', async () => {
    backend({
      'GET /api/admin/vip': [200, EMPTY],
      'GET /api/admin/vip/distribution': [200, { tiers: [], none: 0, total: 0 }],
      'GET /api/admin/shop': [200, SHOP],
      'GET /api/admin/rewards': [200, REWARDS],
    });
    await renderAt('/vip');

    expect(text()).toContain('Reward your best customers with VIP tiers');
    await click('Add a tier');
    expect(field('Tier name')).toBeTruthy();
    expect(field('Spent at least (EUR)')).toBeTruthy();
  });

  it('previews the change before saving, then saves it with the version read', async () => {
    let stored = CONFIG; // what GET reads: the saved configuration once the PUT went through
    const calls = backend({
      'GET /api/admin/vip': () => [200, stored],
      'GET /api/admin/vip/distribution': [200, DISTRIBUTION],
      'GET /api/admin/shop': [200, SHOP],
      'GET /api/admin/rewards': [200, REWARDS],
      'POST /api/admin/vip/preview': [200, PREVIEW],
      'PUT /api/admin/vip': (call) => {
        const body = call.body as { tiers: object[] };
        stored = { ...CONFIG, version: '2', tiers: [SILVER, { ...SILVER, ...body.tiers[1], id: 4 }] };
        return [200, { ...stored, result: PREVIEW }];
      },
    });
    await renderAt('/vip');
    expect(text()).toContain('6 members (60%)');
    const top = document.querySelector('[data-testid="vip-tiers-top"]');
    expect(document.activeElement).not.toBe(top); // opening the page leaves the focus alone

    await click('Add a tier');
    const names = [...document.querySelectorAll('label')].filter((l) => l.textContent === 'Tier name');
    await type(document.getElementById(names[1]!.htmlFor) as HTMLInputElement, 'Gold');
    await click('Preview changes');

    const preview = calls.find((c) => c.method === 'POST')!;
    expect((preview.body as { tiers: { name: string; rank: number; id: number | null }[] }).tiers).toEqual([
      expect.objectContaining({ id: 3, name: 'Silver', rank: 1 }),
      expect.objectContaining({ id: null, name: 'Gold', rank: 2 }),
    ]);
    expect(calls.some((c) => c.method === 'PUT')).toBe(false); // nothing saved by a preview
    expect(text()).toContain('Preview of your changes');
    expect(text()).toContain('Moved up: 2 · Moved down: 0');

    await click('Confirm and save');
    const put = calls.find((c) => c.method === 'PUT')!;
    expect(put.headers.get('If-Match')).toBe('"1"');
    expect(put.body).toEqual(preview.body);
    // Rebuilt on version 2, nothing left to save, and the focus on the tiers' heading (the
    // button that saved went with the preview).
    await settle();
    expect(text()).toContain('Configuration version 2');
    expect(text()).not.toContain('Preview of your changes');
    const rebuilt = document.querySelector('[data-testid="vip-tiers-top"]');
    expect(document.activeElement).toBe(rebuilt);
    expect(rebuilt!.textContent).toBe('Tiers, lowest first');
  });

  it('reorders tiers: the rank follows the order', async () => {
    const calls = backend({
      'GET /api/admin/vip': [200, { ...CONFIG, tiers: [SILVER, { ...SILVER, id: 5, name: 'Gold', rank: 2 }] }],
      'GET /api/admin/vip/distribution': [200, DISTRIBUTION],
      'GET /api/admin/shop': [200, SHOP],
      'GET /api/admin/rewards': [200, REWARDS],
      'POST /api/admin/vip/preview': [200, PREVIEW],
    });
    await renderAt('/vip');

    const higher = document.querySelector<HTMLButtonElement>('button[aria-label="Higher rank for Silver"]')!;
    await act(async () => higher.click());
    await click('Preview changes');

    const body = calls.find((c) => c.method === 'POST')!.body as { tiers: { name: string; rank: number }[] };
    expect(body.tiers.map((t) => [t.name, t.rank])).toEqual([['Gold', 1], ['Silver', 2]]);
  });

  it('shows a field error beside its tier, and a stale version as a conflict', async () => {
    backend({
      'GET /api/admin/vip': [200, CONFIG],
      'GET /api/admin/vip/distribution': [200, DISTRIBUTION],
      'GET /api/admin/shop': [200, SHOP],
      'GET /api/admin/rewards': [200, REWARDS],
      'POST /api/admin/vip/preview': [400, { message: 'Invalid input.', code: 'invalid', extra: { fields: { tiers: { '0': { name: ['This field may not be blank.'] } } } } }],
    });
    await renderAt('/vip');
    await type(field('Tier name'), '');
    await click('Preview changes');
    expect(fieldError('Tier name')).toContain('may not be blank');

    backend({
      'POST /api/admin/vip/preview': [200, PREVIEW],
      'PUT /api/admin/vip': [409, { message: 'Someone else changed this.', code: 'version_conflict', extra: { current_version: '2' } }],
    });
    await type(field('Tier name'), 'Bronze');
    await click('Preview changes');
    await click('Confirm and save');
    expect(text()).toContain('Someone else saved the VIP club since you opened it.');
  });
});

describe('VIP tier discount, rewards and membership', () => {
  const routes = (config: unknown) => ({
    'GET /api/admin/vip': [200, config] as [number, unknown],
    'GET /api/admin/vip/distribution': [200, DISTRIBUTION] as [number, unknown],
    'GET /api/admin/shop': [200, SHOP] as [number, unknown],
    'GET /api/admin/rewards': [200, REWARDS] as [number, unknown],
    'POST /api/admin/vip/preview': [200, PREVIEW] as [number, unknown],
  });

  it('sends the discount, the entry reward and the perk chosen among the active rewards', async () => {
    const calls = backend(routes(CONFIG));
    await renderAt('/vip');
    expect(calls.find((c) => c.path.startsWith('/api/admin/rewards'))!.path).toContain('active=true');
    expect(text()).toContain('without a code to every customer with the tier');
    // Fixed rewards as entry rewards; only free shipping and percent off as a perk.
    expect(optionsOf('Entry reward')).toEqual(['None', '$5 off', 'Free shipping code']);
    expect(optionsOf('Monthly/quarterly perk')).toEqual(['None', 'Free shipping code']);

    await type(field('Automatic discount (%)'), '10');
    await choose('Entry reward', '21');
    await choose('Monthly/quarterly perk', '22');
    await choose('Perk issued', 'quarter');
    await click('Preview changes');

    const body = calls.find((c) => c.method === 'POST')!.body as { tiers: Record<string, unknown>[] };
    expect(body.tiers[0]).toMatchObject({
      discount_percent: '10', entry_reward_id: 21, perk_reward_id: 22, perk_every: 'quarter',
      membership_variant_id: null, membership_term: 0,
    });
  });

  it('reads the saved choices back, and "None" clears a reward', async () => {
    const gold = { ...SILVER, discount_percent: '12.50', entry_reward_id: 21, perk_reward_id: 22, perk_every: 'month' };
    const calls = backend(routes({ ...CONFIG, tiers: [gold] }));
    await renderAt('/vip');
    expect(field('Automatic discount (%)').value).toBe('12.5');
    expect(field('Entry reward').value).toBe('21');
    expect(field('Perk issued').value).toBe('month');

    await choose('Monthly/quarterly perk', '');
    expect(() => field('Perk issued')).toThrow(); // no frequency without a perk
    await click('Preview changes');
    const body = calls.find((c) => c.method === 'POST')!.body as { tiers: Record<string, unknown>[] };
    expect(body.tiers[0]).toMatchObject({ entry_reward_id: 21, perk_reward_id: null, perk_every: '' });
  });

  it('sells an invitation-only tier as a membership, and shows its errors beside the fields', async () => {
    const calls = backend({
      ...routes({ ...CONFIG, tiers: [CLUB] }),
      'POST /api/admin/vip/preview': [400, { message: 'Invalid input.', code: 'invalid', extra: { fields: { tiers: { '0': {
        membership_variant_id: ['A product variant id, or gid://shopify/ProductVariant/<id>.'],
        discount_percent: ["An automatic discount needs the tier's customer tag."],
      } } } } }],
    });
    await renderAt('/vip');
    expect(() => field('Membership product variant ID')).toThrow();
    await act(async () => field('Sold as a membership').click());
    await type(field('Membership product variant ID'), 'gid://shopify/ProductVariant/991');
    await type(field('Membership term'), '30');
    await choose('Term unit', 'days');
    await click('Preview changes');

    const body = calls.find((c) => c.method === 'POST')!.body as { tiers: Record<string, unknown>[] };
    expect(body.tiers[0]).toMatchObject({
      invitation_only: true, membership_variant_id: 'gid://shopify/ProductVariant/991', membership_term: 30, membership_term_unit: 'days',
    });
    expect(fieldError('Membership product variant ID')).toContain('product variant id');
    expect(fieldError('Automatic discount (%)')).toContain("needs the tier's customer tag");
  });

  it('says how to add a reward when the shop has none, and fails the page when rewards cannot load', async () => {
    backend({ ...routes(CONFIG), 'GET /api/admin/rewards': [200, { next: null, previous: null, results: [] }] });
    await renderAt('/vip');
    expect(optionsOf('Entry reward')).toEqual(['None']);
    expect(text()).toContain('Add a reward under Rules & rewards to offer one.');
    cleanup();

    backend({ ...routes(CONFIG), 'GET /api/admin/rewards': [500, { message: 'Server error', code: 'error', extra: {} }] });
    await renderAt('/vip');
    expect(text()).toContain('Could not load this page');
  });
});

describe('Customer profile VIP card', () => {
  const MEMBER = {
    id: 7, customer_shopify_id: 70, email: 'ada@example.com', first_name: 'Ada', last_name: 'Lovelace', state: 'active',
    excluded_reason: '', balance: 0, pending: 0, lifetime_earned: 0, joined_at: '2026-01-01T00:00:00Z', last_activity_at: null,
  };
  const PROFILE = {
    member: MEMBER, balance_value: '0.00', currency: 'EUR', shortfall: 0, lots: [], history: [], codes: [],
    vip: {
      tier: { id: 3, name: 'Silver', rank: 1, invitation_only: false }, term_start: '2026-01-01T00:00:00Z',
      kept_until: '2027-01-01T00:00:00Z', assigned_by: '',
      history: [{ id: 1, from_tier: null, to_tier: { id: 3, name: 'Silver', rank: 1, invitation_only: false }, reason: 'qualified', created_at: '2026-01-01T00:00:00Z' }],
    },
  };

  it('shows the tier and its history, and assigns an invitation-only tier after a confirmation', async () => {
    const calls = backend({
      'GET /api/admin/members/7': [200, PROFILE],
      'GET /api/admin/vip': [200, { ...CONFIG, tiers: [SILVER, CLUB] }],
      'PUT /api/admin/members/7/vip-tiers/4': [200, { ...PROFILE.vip, tier: { id: 4, name: 'Inner circle', rank: 2, invitation_only: true } }],
    });
    await renderAt('/customers/7');
    expect(text()).toContain('Silver');
    expect(text()).toContain('Kept until');
    expect(text()).toContain('Qualified');

    await click('Assign invitation-only tier');
    expect(text()).toContain('Assign Inner circle?');
    expect(calls.some((c) => c.method === 'PUT')).toBe(false);
    await click('Assign tier');

    expect(calls.filter((c) => c.method === 'PUT').map((c) => c.path)).toEqual(['/api/admin/members/7/vip-tiers/4']);
  });
});

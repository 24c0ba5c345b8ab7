import { act } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { backend, cleanup, click, field, fieldError, renderAt, settle, type } from '../test/harness';
import { POLL_MS } from './Onboarding';

const FRESH = {
  template_applied_at: null,
  enrolled_at: null,
  enrolled_members: 0,
  retroactive_days: null,
  retroactive_points: 0,
  launched_at: null,
};
const TEMPLATE = {
  points_per_unit: '5.0000',
  point_value_points: 100,
  point_value_amount: '1.00',
  signup_points: 100,
  birthday_points: 250,
  rewards: [
    { kind: 'fixed_amount', name: '$5 off', amount: '5.00', points_cost: 500 },
    { kind: 'fixed_amount', name: '$10 off', amount: '10.00', points_cost: 1000 },
    { kind: 'free_shipping', name: 'Free shipping', amount: null, points_cost: 800 },
  ],
};
const RUN = { records_processed: 40, object_count: 40, fraction: 1, error: '' };
const SYNC_DONE = {
  done: true,
  failed: false,
  fraction: 1,
  runs: [
    { ...RUN, resource: 'customers', status: 'completed' },
    { ...RUN, resource: 'orders', status: 'completed' },
  ],
};
const LAUNCHER_OFF = {
  active: false,
  theme_name: 'Dawn',
  editor_url: 'https://demo.myshopify.com/admin/themes/current/editor?context=apps&activateAppId=key/launcher',
};

function routes(overrides: Parameters<typeof backend>[0] = {}) {
  return backend({
    'GET /api/admin/onboarding': [200, FRESH],
    'GET /api/admin/sync': [200, SYNC_DONE],
    'GET /api/admin/onboarding/template': [200, TEMPLATE],
    'GET /api/admin/launcher': [200, LAUNCHER_OFF],
    'GET /api/admin/shop': [200, { domain: 'demo.myshopify.com', name: 'Demo', currency: 'EUR', plan: 'free', installed_at: '2026-12-03T09:00:00Z' }],
    ...overrides,
  });
}

const text = () => document.body.textContent ?? '';

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

describe('Onboarding page', () => {
  it('is where a shop that has not launched lands', async () => {
    routes();
    await renderAt('/');
    await settle();

    expect(window.location.pathname).toBe('/onboarding');
    expect(text()).toContain('Set up your rewards program');
  });

  it('polls the sync’s progress without a reload until it is done', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const answers = [
      { done: false, failed: false, fraction: 0.25, runs: [{ resource: 'customers', status: 'importing', records_processed: 40, object_count: null, fraction: 0.25, error: '' }] },
      SYNC_DONE,
    ];
    const calls = routes({ 'GET /api/admin/sync': () => [200, answers.shift() ?? SYNC_DONE] });
    await renderAt('/onboarding');
    expect(text()).toContain('25% imported');
    expect(text()).toContain('Customers: Importing (40)');
    const bar = document.querySelector('progress');
    expect(bar?.getAttribute('value')).toBe('25');

    await act(async () => vi.advanceTimersByTime(POLL_MS));
    await settle();
    expect(text()).toContain('100% imported');
    expect(text()).toContain('Orders: Imported (40)');
    await act(async () => vi.advanceTimersByTime(POLL_MS * 3));
    await settle();
    expect(calls.filter((c) => c.path === '/api/admin/sync')).toHaveLength(2); // stopped
  });

  it('reads the template again to apply it again, after it was saved', async () => {
    const calls = routes({ 'GET /api/admin/onboarding': [200, { ...FRESH, template_applied_at: '2026-12-03T10:00:00Z' }] });
    await renderAt('/onboarding');
    expect(text()).toContain('The template is saved.');
    expect(calls.filter((c) => c.path === '/api/admin/onboarding/template')).toHaveLength(0);

    await click('Apply the template again');

    expect(field('Reward 1 name').value).toBe('€5 off');
    expect(calls.filter((c) => c.path === '/api/admin/onboarding/template')).toHaveLength(1);
  });

  it('saves the edited template and shows a reward’s field error under its row', async () => {
    let attempt = 0;
    const calls = routes({
      'POST /api/admin/onboarding/template': () =>
        attempt++ === 0
          ? [400, { message: 'Invalid input.', code: 'invalid', extra: { fields: { rewards: [{ amount: ['An amount off is required.'] }, {}, {}] } } }]
          : [200, { ...FRESH, template_applied_at: '2026-12-03T10:00:00Z' }],
    });
    await renderAt('/onboarding');
    // The API's 5.0000 (its column's scale) reads as the 5 points per unit it is.
    expect(field('Points per 1 unit of currency spent').value).toBe('5');
    expect(field('Reward 1 name').value).toBe('€5 off'); // the default, in the shop's currency
    expect(field('Reward 3 name').value).toBe('Free shipping');

    // Typed a key at a time, "1." stays "1." on its way to "1.05" (the field is not re-cleaned).
    for (const typed of ['1', '1.', '1.0', '1.05']) {
      await type(field('Points per 1 unit of currency spent'), typed);
      expect(field('Points per 1 unit of currency spent').value).toBe(typed);
    }
    await type(field('Points per 1 unit of currency spent'), '2');
    await type(field('Reward 1 amount off'), '');
    await click('Save the template');
    expect(fieldError('Reward 1 amount off')).toContain('An amount off is required.');

    await type(field('Reward 1 amount off'), '6');
    await click('Save the template');
    const posts = calls.filter((c) => c.method === 'POST');
    expect(posts[1].body).toMatchObject({ points_per_unit: '2', rewards: [{ amount: '6', points_cost: 500 }, {}, {}] });
    expect(text()).toContain('The template is saved.');
  });

  it('previews enrolment with retroactive points, then applies the same number of days', async () => {
    const calls = routes({
      'GET /api/admin/onboarding/enrol': (call) => [
        200,
        { customers: 3, excluded: 0, retroactive_days: Number(new URL(call.path, 'http://x').searchParams.get('retroactive_days')), orders: 2, members_earning: 1, points: 299, cost: '2.99', currency: 'EUR' },
      ],
      'POST /api/admin/onboarding/enrol': [200, { ...FRESH, enrolled_at: '2026-12-03T10:00:00Z', enrolled_members: 3, retroactive_days: 30, retroactive_points: 299 }],
    });
    await renderAt('/onboarding');
    const enrol = () => [...document.querySelectorAll('button')].find((b) => b.textContent === 'Enrol customers')!;
    expect(enrol().getAttribute('aria-disabled')).toBe('true'); // nothing is written before a preview

    await type(field('Give points for orders of the last N days'), '30');
    await click('Preview');
    expect(text()).toContain('3 customers become members');
    expect(text()).toContain('299 points for 2 orders, to 1 members, worth €2.99'); // in the shop's currency
    await click('Enrol customers');

    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ retroactive_days: '30' });
    expect(text()).toContain('3 customers enrolled, 299 retroactive points given.');
  });

  it('links to the theme editor and checks the launcher again on demand', async () => {
    let active = false;
    routes({ 'GET /api/admin/launcher': () => [200, { ...LAUNCHER_OFF, active }] });
    await renderAt('/onboarding');
    const link = [...document.querySelectorAll('a')].find((a) => a.textContent === 'Open the theme editor');
    expect(link?.getAttribute('href')).toBe(LAUNCHER_OFF.editor_url);

    active = true;
    await click('Check again');
    expect(text()).toContain('The launcher is on in Dawn.');
  });

  it('launches, and a returning merchant sees every finished step as done', async () => {
    const calls = routes({ 'POST /api/admin/onboarding/launch': [200, { ...FRESH, launched_at: '2026-12-03T11:00:00Z' }] });
    await renderAt('/onboarding');
    await click('Launch the program');
    expect(calls.some((c) => c.method === 'POST' && c.path === '/api/admin/onboarding/launch')).toBe(true);
    expect(text()).toContain('Your program is live.');
    cleanup();

    routes({
      'GET /api/admin/onboarding': [200, { ...FRESH, template_applied_at: '2026-12-03T10:00:00Z', enrolled_at: '2026-12-03T10:05:00Z', enrolled_members: 3 }],
    });
    await renderAt('/onboarding');
    expect(text()).toContain('The template is saved.');
    expect(text()).toContain('3 customers enrolled.');
    expect([...document.querySelectorAll('.Polaris-Badge')].map((b) => b.textContent?.endsWith('Done'))).toEqual([true, true, true]);
  });
});

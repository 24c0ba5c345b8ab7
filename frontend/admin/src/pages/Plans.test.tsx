import { afterEach, describe, expect, it, vi } from 'vitest';
import { backend, cleanup, click, renderAt } from '../test/harness';

const PLANS = {
  current: 'free',
  plans: [
    { handle: 'free', name: 'Free', price: null, currency: 'USD', interval: 'EVERY_30_DAYS', trial_days: 0 },
    { handle: 'pro', name: 'Loyalty Pro', price: '29.00', currency: 'USD', interval: 'EVERY_30_DAYS', trial_days: 14 },
  ],
};

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

describe('Plans page', () => {
  it('shows the current plan and sends a paid choice to Shopify’s confirmation page', async () => {
    const open = vi.spyOn(window, 'open').mockImplementation(() => null);
    const calls = backend({
      'GET /api/admin/plans': [200, PLANS],
      'POST /api/admin/plans/subscribe': [200, { plan: 'free', confirmation_url: 'https://admin.shopify.com/charges/1/confirm' }],
    });
    await renderAt('/plans');
    expect(document.body.textContent).toContain('Free SuccessCurrent plan');
    expect(document.body.textContent).toContain('$29.00 every 30 days'); // in the plan's billing currency
    expect(document.body.textContent).toContain('14-day free trial');

    await click('Choose Loyalty Pro');

    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ plan: 'pro' });
    expect(open).toHaveBeenCalledWith('https://admin.shopify.com/charges/1/confirm', '_top');
  });

  it('changes to the free plan at once and shows it', async () => {
    let current = 'pro';
    backend({
      'GET /api/admin/plans': () => [200, { ...PLANS, current }],
      'POST /api/admin/plans/subscribe': () => {
        current = 'free';
        return [200, { plan: 'free', confirmation_url: null }];
      },
    });
    await renderAt('/plans');
    expect(document.body.textContent).toContain('Loyalty Pro SuccessCurrent plan');

    await click('Choose Free');

    expect(document.body.textContent).toContain('Free SuccessCurrent plan');
  });
});

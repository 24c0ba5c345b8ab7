import { afterEach, describe, expect, it } from 'vitest';
import { backend, cleanup, click, field, fieldError, renderAt, type } from '../test/harness';

const REWARD = {
  id: 5,
  kind: 'fixed_amount',
  name: '<b>$5</b> off',
  points_cost: 500,
  amount: '5.00',
  percent: null,
  minimum_order: null,
  active: true,
  version: 'r1',
};
const page = (results: unknown[]) => ({ next: null, previous: null, results });

afterEach(cleanup);

describe('Rules & rewards page', () => {
  it('edits a reward sending only the change, with the version it read', async () => {
    const calls = backend({
      'GET /api/admin/earning-rules': [200, page([])],
      'GET /api/admin/rewards': [200, page([REWARD])],
      'PATCH /api/admin/rewards/5': (call) => [200, { ...REWARD, ...(call.body as object), version: 'r2' }],
    });
    const container = await renderAt('/rules-rewards');
    expect(container.textContent).toContain('<b>$5</b> off');
    expect(container.querySelector('b')).toBeNull();

    await click('Edit');
    await type(field('Points cost'), '400');
    await click('Save');

    const patch = calls.find((c) => c.method === 'PATCH')!;
    expect(patch.headers.get('If-Match')).toBe('r1');
    expect(patch.body).toEqual({ points_cost: '400' });
  });

  it('shows the server’s field errors in the add form', async () => {
    const calls = backend({
      'GET /api/admin/earning-rules': [200, page([])],
      'GET /api/admin/rewards': [200, page([])],
      'POST /api/admin/rewards': [400, { message: 'Invalid input.', code: 'invalid', extra: { fields: { amount: ['An amount off is required for this kind of reward.'] } } }],
    });
    await renderAt('/rules-rewards');

    await click('Add reward');
    await type(field('Name'), '$5 off');
    await type(field('Points cost'), '500');
    await click('Save');

    expect(calls.find((c) => c.method === 'POST')!.body).toEqual({ kind: 'fixed_amount', name: '$5 off', points_cost: '500' });
    expect(fieldError('Amount off')).toContain('An amount off is required');
  });
});

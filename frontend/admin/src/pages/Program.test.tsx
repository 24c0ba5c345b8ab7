import { afterEach, describe, expect, it } from 'vitest';
import { backend, cleanup, click, field, fieldError, renderAt, type } from '../test/harness';

const SETTINGS = {
  points_per_unit: '1.0000',
  point_value_points: 100,
  point_value_amount: '1.00',
  minimum_order: null,
  hold_days: 0,
  expiry_months: 12,
  exclusion_tag: '',
  expiry_mode: 'none',
  enrolment: 'automatic',
  version: 'v1',
  updated_at: '2026-12-01T00:00:00Z',
};

afterEach(cleanup);

describe('Program page', () => {
  it('saves only what changed, with the version it read, through the save bar', async () => {
    const calls = backend({
      'GET /api/admin/program': [200, SETTINGS],
      'PATCH /api/admin/program': (call) => [200, { ...SETTINGS, ...(call.body as object), version: 'v2' }],
    });
    await renderAt('/program');
    expect(field('Points per 1 unit of currency spent').value).toBe('1'); // not 1.0000
    expect(document.body.textContent).not.toContain('Unsaved changes');

    await type(field('Hold period (days)'), '14');
    expect(document.body.textContent).toContain('Unsaved changes');
    await click('Save');

    const patch = calls.find((c) => c.method === 'PATCH')!;
    expect(patch.headers.get('If-Match')).toBe('v1');
    expect(patch.body).toEqual({ hold_days: '14' });
    expect(document.body.textContent).not.toContain('Unsaved changes');
  });

  it('shows the server’s field errors beside their fields', async () => {
    backend({
      'GET /api/admin/program': [200, SETTINGS],
      'PATCH /api/admin/program': [
        400,
        { message: 'Invalid input.', code: 'invalid', extra: { fields: { point_value_points: ['Ensure this value is greater than or equal to 1.'] } } },
      ],
    });
    await renderAt('/program');

    await type(field('Points…'), '0');
    await click('Save');

    expect(fieldError('Points…')).toContain('greater than or equal to 1');
    expect(document.body.textContent).toContain('Unsaved changes');
  });

  it('explains a concurrent edit (409) instead of overwriting it', async () => {
    backend({
      'GET /api/admin/program': [200, SETTINGS],
      'PATCH /api/admin/program': [409, { message: 'Someone else changed this since you opened it.', code: 'version_conflict', extra: {} }],
    });
    await renderAt('/program');

    await type(field('Hold period (days)'), '3');
    await click('Save');

    expect(document.body.textContent).toContain('Someone else changed this since you opened it.');
  });
});

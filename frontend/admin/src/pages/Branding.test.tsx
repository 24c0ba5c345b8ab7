import { afterEach, describe, expect, it } from 'vitest';
import { backend, cleanup, click, field, fieldError, renderAt, settle, type } from '../test/harness';

const SETTINGS = {
  points_per_unit: '1.0000',
  point_value_points: 100,
  point_value_amount: '1.00',
  program_name: 'Goods Club',
  launcher_label: 'Rewards',
  launcher_position: 'bottom-right',
  launcher_button_color: '#5c6ac4',
  launcher_text_color: '#ffffff',
  launcher_icon: 'gift',
  launcher_texts: { guest_title: 'Join us' },
  version: 'v1',
  updated_at: '2026-12-01T00:00:00Z',
};
const SHOP = { domain: 'demo.myshopify.com', name: 'Demo', currency: 'EUR', plan: 'free', installed_at: null };

afterEach(cleanup);

const preview = () => document.querySelector('[data-testid="launcher-preview"] div')!.shadowRoot!;
/**
 * The preview's panel title, once its module (loaded on demand) has drawn `expected`. Bounded
 * by time, not by a count of turns: on a loaded machine the module's import takes longer.
 */
async function previewTitle(expected: string): Promise<string | null | undefined> {
  const title = () => preview().querySelector('[role="dialog"] h2')?.textContent;
  for (const end = Date.now() + 20_000; Date.now() < end && title() !== expected; ) await settle();
  return title();
}

async function open(routes = {}) {
  const calls = backend({
    'GET /api/admin/program': [200, SETTINGS],
    'GET /api/admin/shop': [200, SHOP],
    ...routes,
  });
  await renderAt('/branding');
  await settle();
  return calls;
}

describe('Branding page', () => {
  it('previews the real launcher with the unsaved settings', async () => {
    await open();
    expect(await previewTitle('Goods Club')).toBe('Goods Club');
    expect(preview().querySelector('button.lly-btn')!.textContent).toBe('Rewards');

    await type(field('Program name'), 'Perks Club');
    field('Button label').focus();
    await type(field('Button label'), 'Perks');
    expect(await previewTitle('Perks Club')).toBe('Perks Club');
    expect(preview().querySelector('button.lly-btn')!.textContent).toBe('Perks');
    expect(document.activeElement).toBe(field('Button label')); // the preview took no focus
  });

  it('says when the launcher will adjust colours under 4.5:1, by the launcher’s own rule', async () => {
    await open();
    expect(document.body.textContent).not.toContain('The launcher will adjust these colours');
    await type(field('Button colour'), '#ffee00');
    expect(document.body.textContent).toContain('The launcher will adjust these colours');
    expect(document.body.textContent).toContain('#111111 for the button text');
  });

  it('saves what changed, the texts together, with the version it read', async () => {
    const calls = await open({
      'PATCH /api/admin/program': (call: { body: unknown }) => [200, { ...SETTINGS, ...(call.body as object), version: 'v2' }],
    });
    await type(field('Introduction'), 'Points on every order.');
    await type(field('Button colour'), '#000000');
    await click('Save');

    const patch = calls.find((c) => c.method === 'PATCH')!;
    expect(patch.headers.get('If-Match')).toBe('v1');
    expect(patch.body).toEqual({
      launcher_button_color: '#000000',
      launcher_texts: { guest_title: 'Join us', guest_body: 'Points on every order.' },
    });
    expect(document.body.textContent).not.toContain('Unsaved changes');
  });

  it('shows the server’s field errors beside their fields', async () => {
    await open({
      'PATCH /api/admin/program': [
        400,
        { message: 'Invalid input.', code: 'invalid', extra: { fields: { launcher_text_color: ['Use a colour like #5c6ac4.'] } } },
      ],
    });
    await type(field('Button text colour'), 'white');
    await click('Save');
    expect(fieldError('Button text colour')).toContain('Use a colour like #5c6ac4.');
  });
});

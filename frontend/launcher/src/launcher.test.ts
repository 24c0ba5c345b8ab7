// The loader and the real panel together in happy-dom; only the network (fetch) is stubbed.
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { launcherState, memberData, pointsData } from './fixtures';
import { mount, readConfig, ROOT_ID } from './launcher';
import './panel';

function makeRoot(data: Record<string, string> = {}): HTMLElement {
  const root = document.createElement('div');
  root.id = ROOT_ID;
  Object.assign(root.dataset, {
    proxyPath: '/apps/rewards',
    rootUrl: '/',
    customerId: '',
    shop: 'demo.myshopify.com',
    locale: 'en',
    ...data,
  });
  document.body.appendChild(root);
  mount(root);
  return root;
}

type Route = (url: string, init?: RequestInit) => { status?: number; body: unknown };

function stubFetch(route: Route) {
  const fetchMock = vi.fn(async (url: string, init?: RequestInit) => {
    const { status = 200, body } = route(url, init);
    return new Response(JSON.stringify(body), {
      status,
      headers: { 'Content-Type': 'application/json' },
    });
  });
  vi.stubGlobal('fetch', fetchMock);
  return fetchMock;
}

const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
};
const shadow = (root: HTMLElement) => root.shadowRoot!;
const button = (root: HTMLElement) => shadow(root).querySelector('button.lly-btn') as HTMLButtonElement;
const dialog = (root: HTMLElement) => shadow(root).querySelector('[role="dialog"]') as HTMLElement | null;
const byText = (root: HTMLElement, selector: string, text: string) =>
  Array.from(shadow(root).querySelectorAll<HTMLElement>(selector)).find((e) =>
    (e.textContent || '').includes(text),
  );

const nav = (root: HTMLElement, name: string) =>
  Array.from(shadow(root).querySelectorAll<HTMLElement>('nav button')).find((b) => b.textContent === name)!;
const labelled = (root: HTMLElement, label: string) =>
  shadow(root).querySelector<HTMLElement>(`[aria-label="${label}"]`)!;

beforeAll(() => {
  Object.defineProperty(navigator, 'clipboard', {
    value: { writeText: vi.fn(async () => undefined) },
    configurable: true,
  });
});

afterEach(async () => {
  // Close any open panel so the next test starts clean.
  window.LoyaltyLauncherPanel?.close();
  document.body.replaceChildren();
});

async function openWith(state: unknown, data: Record<string, string> = {}, route?: Route) {
  // The state for GET state; every other request (actions, history pages) goes to `route`.
  const fetchMock = stubFetch((url, init) =>
    route && !url.endsWith('/api/state') ? route(url, init) : { body: state },
  );
  const root = makeRoot(data);
  button(root).click();
  await settle();
  return { root, fetchMock };
}

describe('loader', () => {
  it('draws a labelled button in a shadow root and fetches nothing on load', () => {
    const fetchMock = stubFetch(() => ({ body: {} }));
    const root = makeRoot({ buttonLabel: 'My points' });
    expect(root.children).toHaveLength(0); // nothing in the light DOM for themes to restyle
    expect(button(root).textContent).toBe('My points');
    expect(button(root).getAttribute('aria-expanded')).toBe('false');
    expect(button(root).getAttribute('aria-haspopup')).toBe('dialog');
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it('mounts once and labels the button in the storefront language by default', () => {
    const root = makeRoot({ locale: 'fr' });
    mount(root);
    expect(shadow(root).querySelectorAll('button')).toHaveLength(1);
    expect(button(root).textContent).toBe('Récompenses');
  });

  it('reads its config from data attributes', () => {
    const root = document.createElement('div');
    Object.assign(root.dataset, {
      proxyPath: '/fr/apps/rewards/',
      rootUrl: '/fr',
      customerId: '42',
      locale: 'fr-CA',
      position: 'bottom-left',
      buttonColor: '#ff0000',
      panelSrc: '/assets/panel.js',
    });
    expect(readConfig(root)).toMatchObject({
      proxyPath: '/fr/apps/rewards',
      rootUrl: '/fr/',
      customerId: '42',
      locale: 'fr-CA',
      position: 'bottom-left',
      buttonColor: '#ff0000',
      label: 'Récompenses',
      panelSrc: '/assets/panel.js',
    });
    root.dataset.position = 'top; evil';
    expect(readConfig(root).position).toBe('bottom-right');
  });

  it('applies the merchant colour, with a readable text colour', () => {
    const root = makeRoot({ buttonColor: '#ffd500', textColor: '#ffffff' });
    const style = button(root).style;
    expect(style.getPropertyValue('--lly-accent')).toBe('#ffd500');
    expect(style.getPropertyValue('--lly-on-accent')).toBe('#111111');
    expect(button(root).className).toContain('lly-bottom-right');
  });

  it('puts the button and its panel where data-position says, in data-button-color', async () => {
    // The embed's data-position and data-button-color (issue 9 item 9: once rendered, never read).
    const { root } = await openWith(launcherState(pointsData()), {
      position: 'bottom-left',
      buttonColor: '#0b6e4f',
      textColor: '#ffffff',
    });
    expect(button(root).className).toBe('lly-btn lly-bottom-left');
    expect(button(root).style.getPropertyValue('--lly-accent')).toBe('#0b6e4f');
    expect(dialog(root)!.className).toContain('lly-bottom-left');
    const panel = shadow(root).querySelector('.lly-root') as HTMLElement;
    expect(panel.style.getPropertyValue('--lly-accent')).toBe('#0b6e4f');
  });

  it('makes one state request per page view, started by intent', async () => {
    const fetchMock = stubFetch(() => ({ body: launcherState(pointsData()) }));
    const root = makeRoot();
    button(root).dispatchEvent(new Event('focus'));
    button(root).dispatchEvent(new Event('pointerenter'));
    expect(fetchMock).toHaveBeenCalledTimes(1);
    button(root).click();
    await settle();
    window.LoyaltyLauncherPanel!.close();
    button(root).click();
    await settle();
    expect(fetchMock).toHaveBeenCalledTimes(1);
    expect(fetchMock.mock.calls[0]![0]).toBe('/apps/rewards/api/state');
  });
});

describe('panel', () => {
  it('is a labelled modal dialog; Esc closes it and focus returns to the button', async () => {
    const { root } = await openWith(launcherState(pointsData()));
    const d = dialog(root)!;
    expect(d.getAttribute('aria-modal')).toBe('true');
    const title = shadow(root).getElementById(d.getAttribute('aria-labelledby')!)!;
    expect(title.textContent).toBe("Collector's Club");
    expect(button(root).getAttribute('aria-expanded')).toBe('true');
    d.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
    await settle();
    expect(dialog(root)).toBeNull();
    expect(button(root).getAttribute('aria-expanded')).toBe('false');
    expect(shadow(root).activeElement).toBe(button(root));
  });

  it('traps Tab inside the dialog', async () => {
    const { root } = await openWith(launcherState(pointsData()));
    const d = dialog(root)!;
    const focusables = Array.from(d.querySelectorAll<HTMLElement>('a[href],button'));
    focusables[focusables.length - 1]!.focus();
    d.dispatchEvent(new KeyboardEvent('keydown', { key: 'Tab', bubbles: true }));
    expect(shadow(root).activeElement).toBe(focusables[0]);
    d.dispatchEvent(new KeyboardEvent('keydown', { key: 'Tab', shiftKey: true, bubbles: true }));
    expect(shadow(root).activeElement).toBe(focusables[focusables.length - 1]);
    // From a heading that holds focus after the last control, Tab wraps to the first too.
    const heading = shadow(root).querySelector<HTMLElement>('h3[tabindex="-1"]')!;
    heading.focus();
    d.dispatchEvent(new KeyboardEvent('keydown', { key: 'Tab', bubbles: true }));
    expect(focusables).toContain(shadow(root).activeElement);
  });

  it('shows a guest the program with sign-in and join links under the storefront root', async () => {
    const { root } = await openWith(launcherState(pointsData()), { rootUrl: '/fr/' });
    expect(byText(root, 'h3', 'How it works')).toBeDefined();
    expect(byText(root, 'a', 'Sign in')!.getAttribute('href')).toBe('/fr/account/login');
    expect(byText(root, 'a', 'Join now')!.getAttribute('href')).toBe('/fr/account/register');
    expect(byText(root, 'li', '$5 off')!.textContent).toContain('500 points');
    expect(byText(root, 'button', 'Redeem')).toBeUndefined();
  });

  it('renders markup from the server as text', async () => {
    const evil = '<img src=x onerror="window.__pwned=1"><b>Club</b>';
    const state = launcherState(pointsData());
    state.launcher.program_name = evil;
    state.sections[0]!.data = { ...pointsData(), rewards: [{ ...pointsData().rewards[0]!, title: evil }] };
    const { root } = await openWith(state);
    expect(shadow(root).getElementById('lly-title')!.textContent).toBe(evil);
    expect(shadow(root).querySelector('img, b')).toBeNull();
  });

  it('shows a member the balance, its value, pending and expiring points in French', async () => {
    const state = launcherState(pointsData(memberData(1200)), { id: '7', first_name: 'Ann' });
    const { root } = await openWith(state, { locale: 'fr' });
    const text = (shadow(root).textContent || '').replace(/[\u00a0\u202f]/g, ' ');
    expect(text).toContain('Bonjour Ann');
    expect(text).toContain('1 200 points');
    expect(text).toContain('Valeur : 12,00 €');
    expect(text).toContain('300 points en attente, disponibles le 20 décembre 2026');
    expect(text).toContain('200 points expirent le 1 mars 2027');
  });

  it('redeems once on a double click, then shows the code with Copy and Apply', async () => {
    const state = launcherState(pointsData(memberData(1200)), { id: '7', first_name: 'Ann' });
    const posts: RequestInit[] = [];
    const { root, fetchMock } = await openWith(state, {}, (_url, init) => {
      posts.push(init!);
      return {
        body: {
          section: 'points',
          data: pointsData(memberData(700)),
          result: { code: 'RWD-NEW1', redemption_id: 3 },
        },
      };
    });
    nav(root, 'Rewards').click();
    await settle();
    labelled(root, 'Redeem $5 off').click();
    await settle();
    expect(byText(root, 'h3', 'Redeem $5 off?')).toBeDefined();
    const confirm = byText(root, 'button', 'Confirm')!;
    confirm.click();
    confirm.click();
    await settle();
    expect(posts).toHaveLength(1);
    expect(fetchMock).toHaveBeenCalledTimes(2); // the state, then one redeem
    const headers = posts[0]!.headers as Record<string, string>;
    expect(headers['Idempotency-Key']).toMatch(/^[0-9a-f-]{32,36}$/);
    expect(JSON.parse(posts[0]!.body as string)).toEqual({ reward_id: 12 });
    expect(fetchMock.mock.calls[1]![0]).toBe('/apps/rewards/api/points/redeem');
    expect(shadow(root).querySelector('[data-testid="issued-code"]')!.textContent).toBe('RWD-NEW1');
    expect(byText(root, 'a', 'Apply to cart')!.getAttribute('href')).toBe('/discount/RWD-NEW1?redirect=/cart');
    expect(shadow(root).querySelector('[aria-live="polite"]')!.textContent).toBe('Your balance is now 700 points.');
    labelled(root, 'Copy code RWD-NEW1').click();
    await settle();
    expect(navigator.clipboard.writeText).toHaveBeenCalledWith('RWD-NEW1');
    expect(byText(root, 'button', 'Copied')).toBeDefined();
  });

  it('re-reads the state with backoff while a just-redeemed code is being prepared', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const flush = async () => {
        for (let i = 0; i < 5; i++) await vi.advanceTimersByTimeAsync(0);
      };
      const code = (status: string) => ({ code: 'RWD-NEW1', title: '$5 off', value: '5.00', status, used: false });
      const member = (status: string) => ({ ...memberData(700), codes: [code(status)] });
      let reads = 0;
      const fetchMock = stubFetch((url) => {
        if (!url.endsWith('/api/state')) {
          return { body: { section: 'points', data: pointsData(member('pending')), result: { code: 'RWD-NEW1' } } };
        }
        reads += 1;
        // The first read is the page view's; the code is ready on the second re-read.
        const status = reads === 1 ? 'issued' : reads === 2 ? 'pending' : 'issued';
        const data = reads === 1 ? pointsData(memberData(1200)) : pointsData(member(status));
        return { body: launcherState(data, { id: '7', first_name: 'Ann' }) };
      });
      const root = makeRoot();
      button(root).click();
      await flush();
      nav(root, 'Rewards').click();
      await flush();
      labelled(root, 'Redeem $5 off').click();
      await flush();
      byText(root, 'button', 'Confirm')!.click();
      await flush();
      nav(root, 'My codes').click();
      await flush();
      expect(byText(root, '.lly-badge', 'Being prepared')).toBeDefined();
      await vi.advanceTimersByTimeAsync(500);
      await flush();
      expect(reads).toBe(2); // still being prepared: polls again, later
      expect(byText(root, '.lly-badge', 'Being prepared')).toBeDefined();
      await vi.advanceTimersByTimeAsync(1000);
      await flush();
      expect(reads).toBe(3);
      expect(byText(root, '.lly-badge', 'Ready to use')).toBeDefined();
      await vi.advanceTimersByTimeAsync(20000);
      await flush();
      expect(reads).toBe(3); // nothing pending: no more requests
      expect(fetchMock).toHaveBeenCalledTimes(4);
    } finally {
      vi.useRealTimers();
    }
  });

  it.each([
    ['insufficient_points', 'en', 'You do not have enough points for this reward.'],
    ['insufficient_points', 'fr', 'Vous n’avez pas assez de points pour cette récompense.'],
    ['something_new', 'fr', 'The server says no.'],
  ])('shows a refused action (%s) in the shopper language when it can (%s)', async (code, locale, shown) => {
    const state = launcherState(pointsData(memberData(1200)), { id: '7' });
    const { root } = await openWith(state, { locale }, () => ({
      status: 409,
      body: { message: 'The server says no.', code },
    }));
    shadow(root).querySelectorAll<HTMLElement>('nav button')[2]!.click(); // Rewards
    await settle();
    shadow(root).querySelector<HTMLElement>('.lly-card .lly-primary')!.click(); // Redeem $5 off
    await settle();
    shadow(root).querySelector<HTMLElement>('.lly-card .lly-primary')!.click(); // Confirm
    await settle();
    expect(shadow(root).querySelector('[role="alert"]')!.textContent).toBe(shown);
  });

  it('pages the history with the cursor', async () => {
    const state = launcherState(pointsData(memberData()), { id: '7' });
    const { root, fetchMock } = await openWith(state, {}, () => ({
      body: {
        entries: [{ id: 80, created_at: '2026-10-01T00:00:00Z', points: -500, kind: 'redeem', status: 'posted', description: 'Reward $5 off' }],
        next_cursor: null,
      },
    }));
    nav(root, 'History').click();
    await settle();
    expect(byText(root, 'li', 'Order #1001')!.textContent).toContain('200 of them expire on 1 March');
    byText(root, 'button', 'Load more')!.click();
    await settle();
    expect(fetchMock.mock.calls[1]![0]).toBe('/apps/rewards/api/points/history?cursor=c2');
    expect(byText(root, 'li', 'Reward $5 off')!.textContent).toContain('−500 points');
    expect(byText(root, 'button', 'Load more')).toBeUndefined();
  });

  it('offers a retry when the state cannot be loaded', async () => {
    let calls = 0;
    stubFetch(() => (++calls === 1 ? { status: 500, body: {} } : { body: launcherState(pointsData()) }));
    const root = makeRoot();
    button(root).click();
    await settle();
    expect(shadow(root).querySelector('[role="alert"]')!.textContent).toContain('Could not load rewards');
    byText(root, 'button', 'Try again')!.click();
    await settle();
    expect(byText(root, 'h3', 'How it works')).toBeDefined();
    expect(calls).toBe(2);
  });
});

describe('panel as a preview (the admin Branding page)', () => {
  it('takes no focus, is not modal and draws no backdrop', async () => {
    const field = document.createElement('input');
    document.body.appendChild(field);
    field.focus();
    const host = document.createElement('div');
    document.body.appendChild(host);
    const shadowRoot = host.attachShadow({ mode: 'open' });
    const state = launcherState(pointsData());
    window.LoyaltyLauncherPanel!.open({
      host: shadowRoot,
      config: { ...readConfig(makeRoot()), buttonColor: '#ffee00', textColor: '#ffffff' },
      state: Promise.resolve(state),
      reload: () => Promise.resolve(state),
      onClose: () => {},
      preview: true,
    });
    await settle();
    const d = shadowRoot.querySelector('[role="dialog"]') as HTMLElement;
    expect(d.textContent).toContain("Collector's Club");
    expect(d.hasAttribute('aria-modal')).toBe(false);
    expect(shadowRoot.querySelector('.lly-backdrop')).toBeNull();
    expect(document.activeElement).toBe(field);
    // The merchant's white on yellow is unreadable: the panel uses near-black instead.
    const themed = shadowRoot.querySelector<HTMLElement>('[lang]')!;
    expect(themed.style.getPropertyValue('--lly-on-accent')).toBe('#111111');
  });
});

import { afterEach, describe, expect, it, vi } from 'vitest';
import { boot, mount, readConfig, ROOT_ID } from './launcher';

function makeRoot(data: Record<string, string> = {}): HTMLElement {
  const root = document.createElement('div');
  root.id = ROOT_ID;
  root.dataset.proxyPath = '/apps/rewards';
  root.dataset.customerId = '';
  root.dataset.shop = 'demo.myshopify.com';
  Object.assign(root.dataset, data);
  document.body.appendChild(root);
  return root;
}

function stubFetch(body: unknown, status = 200) {
  const fetchMock = vi.fn(
    async (_url: string, _init?: RequestInit) =>
      new Response(JSON.stringify(body), {
        status,
        headers: { 'Content-Type': 'application/json' },
      }),
  );
  vi.stubGlobal('fetch', fetchMock);
  return fetchMock;
}

/** Let the fetch promise chain settle. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

const button = (root: HTMLElement) => root.querySelector('button') as HTMLButtonElement;
const panel = (root: HTMLElement) => root.querySelector('[role="dialog"]') as HTMLElement;

afterEach(() => {
  document.body.replaceChildren();
  document.getElementById('loyalty-launcher-style')?.remove();
});

describe('launcher', () => {
  it('renders a labelled button without fetching anything', () => {
    const fetchMock = stubFetch({});
    const root = makeRoot({ buttonLabel: 'My points' });
    boot();

    const btn = button(root);
    expect(btn.textContent).toBe('My points');
    expect(btn.type).toBe('button');
    expect(btn.getAttribute('aria-expanded')).toBe('false');
    expect(panel(root).hidden).toBe(true);
    expect(document.getElementById('loyalty-launcher-style')).not.toBeNull();
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it('defaults the label to "Rewards" and mounts only once', () => {
    const root = makeRoot();
    mount(root);
    mount(root);
    expect(root.querySelectorAll('button')).toHaveLength(1);
    expect(button(root).textContent).toBe('Rewards');
  });

  it('reads its config from data attributes', () => {
    const root = makeRoot({ proxyPath: '/apps/loyalty/', customerId: '42' });
    expect(readConfig(root)).toEqual({
      proxyPath: '/apps/loyalty',
      customerId: '42',
      shop: 'demo.myshopify.com',
      buttonLabel: 'Rewards',
    });
  });

  it('fetches state lazily on first click, once, and renders the balance', async () => {
    const fetchMock = stubFetch({ program: { name: 'Club Points' }, member: { balance: 1250 } });
    const root = makeRoot();
    mount(root);
    expect(fetchMock).not.toHaveBeenCalled();

    button(root).click();
    expect(panel(root).hidden).toBe(false);
    expect(button(root).getAttribute('aria-expanded')).toBe('true');
    expect(panel(root).textContent).toContain('Loading');
    await settle();

    expect(fetchMock).toHaveBeenCalledTimes(1);
    expect(fetchMock.mock.calls[0]![0]).toBe('/apps/rewards/api/state');
    expect(panel(root).querySelector('h2')!.textContent).toBe('Club Points');
    expect(panel(root).textContent).toContain((1250).toLocaleString() + ' points');

    button(root).click(); // close
    expect(panel(root).hidden).toBe(true);
    button(root).click(); // reopen: no second request
    await settle();
    expect(fetchMock).toHaveBeenCalledTimes(1);
  });

  it('shows a sign-in prompt when there is no member', async () => {
    stubFetch({ program: { name: 'Club Points' }, member: null });
    const root = makeRoot();
    mount(root);
    button(root).click();
    await settle();

    const link = panel(root).querySelector('a')!;
    expect(link.textContent).toBe('Sign in');
    expect(link.getAttribute('href')).toBe('/account/login');
  });

  it('escapes HTML in the program name', async () => {
    const evil = '<img src=x onerror="window.__pwned=1"><b>Club</b>';
    stubFetch({ program: { name: evil }, member: { balance: 5 } });
    const root = makeRoot();
    mount(root);
    button(root).click();
    await settle();

    const title = panel(root).querySelector('h2')!;
    expect(title.textContent).toBe(evil);
    expect(title.children).toHaveLength(0);
    expect(panel(root).querySelector('img, b')).toBeNull();
  });

  it('shows an error and retries on the next open', async () => {
    const fetchMock = stubFetch({ message: 'nope' }, 500);
    const root = makeRoot();
    mount(root);
    button(root).click();
    await settle();
    expect(panel(root).textContent).toBe('Could not load rewards (500).');

    fetchMock.mockImplementation(
      async () => new Response(JSON.stringify({ program: { name: 'P' }, member: { balance: 1 } })),
    );
    button(root).click(); // close
    button(root).click(); // reopen: retry
    await settle();
    expect(fetchMock).toHaveBeenCalledTimes(2);
    expect(panel(root).textContent).toContain('1 points');
  });
});

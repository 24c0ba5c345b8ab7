// The referral views with the real loader and panel in happy-dom; only fetch is stubbed.
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { launcherState, memberData, pointsData } from './fixtures';
import { mount, referralFromUrl, ROOT_ID } from './launcher';
import { shareHref } from './model';
import './panel';
import type { LauncherState, ReferralsSection } from './types';

const program: ReferralsSection['program'] = {
  offer: { kind: 'percent', value: '10.00', minimum_order: null, text: '10% off your first order' },
  reward: { kind: 'points', points: 1000, name: null, hold_days: 14, text: 'You get 1000 points…' },
};

type Row = NonNullable<ReferralsSection['member']>['referrals'][number];
const pointsReward = (status: string, points: number): Row['reward'] => ({
  kind: 'points', status, points, name: '', code: null, available_at: null, expires_at: null,
});

function referralsMember(): NonNullable<ReferralsSection['member']> {
  const link = 'https://demo.myshopify.com/?ref=ADA2345678';
  return {
    code: 'ADA2345678',
    link,
    proxy_link: 'https://demo.myshopify.com/apps/rewards/r/ADA2345678',
    share: {
      email: 'mailto:?subject=10%25%20off&body=10%25%20off%20' + encodeURIComponent(link),
      whatsapp: 'https://wa.me/?text=' + encodeURIComponent(link),
      x: 'https://twitter.com/intent/tweet?text=10%25+off&url=' + encodeURIComponent(link),
      facebook: 'javascript:alert(1)', // dropped: not a share page
    },
    stats: { claimed: 2, completed: 1 },
    points_pending: 1000,
    points_earned: 0,
    referrals: [
      { id: 2, friend: 'c**@example.com', status: 'claimed', reward_status: '', reward_points: 0, reward: pointsReward('', 0), claimed_at: '2026-12-01T00:00:00Z', completed_at: null },
      { id: 1, friend: 'b**@example.com', status: 'completed', reward_status: 'pending', reward_points: 1000, reward: pointsReward('pending', 1000), claimed_at: '2026-11-01T00:00:00Z', completed_at: '2026-11-02T00:00:00Z' },
      { id: 3, friend: 'd**@example.com', status: 'rejected', reward_status: '', reward_points: 0, reward: pointsReward('', 0), claimed_at: '2026-11-01T00:00:00Z', completed_at: null },
    ],
  };
}

function withReferrals(state: LauncherState, member: ReferralsSection['member']): LauncherState {
  return { ...state, sections: [...state.sections, { key: 'referrals', title: 'Referrals', data: { program, member } }] };
}

type Route = (url: string, init?: RequestInit) => { status?: number; body: unknown };
function stubFetch(state: unknown, route?: Route) {
  const fetchMock = vi.fn(async (url: string, init?: RequestInit) => {
    const { status = 200, body } = url.endsWith('/api/state') || !route ? { body: state } : route(url, init);
    return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
  });
  vi.stubGlobal('fetch', fetchMock);
  return fetchMock;
}

function makeRoot(locale = 'en'): HTMLElement {
  const root = document.createElement('div');
  root.id = ROOT_ID;
  Object.assign(root.dataset, { proxyPath: '/apps/rewards', rootUrl: '/', shop: 'demo.myshopify.com', locale });
  document.body.appendChild(root);
  mount(root);
  return root;
}

const settle = async () => {
  for (let i = 0; i < 6; i++) await new Promise((r) => setTimeout(r, 0));
};
const all = (root: HTMLElement, sel: string) => Array.from(root.shadowRoot!.querySelectorAll<HTMLElement>(sel));
const byText = (root: HTMLElement, sel: string, text: string) => all(root, sel).find((e) => (e.textContent || '').includes(text));

beforeAll(() => {
  Object.defineProperty(navigator, 'clipboard', { value: { writeText: vi.fn(async () => undefined) }, configurable: true });
});

afterEach(() => {
  window.LoyaltyLauncherPanel?.close();
  document.body.replaceChildren();
  window.history.replaceState({}, '', '/');
});

describe('referral link in the page URL', () => {
  it('reads only a plausible code', () => {
    expect(referralFromUrl('?ref=ADA2345678')).toBe('ADA2345678');
    expect(referralFromUrl('?utm=x&ref=abc-DEF1')).toBe('abc-DEF1');
    expect(referralFromUrl('?ref=<script>')).toBe('');
    expect(referralFromUrl('')).toBe('');
  });

  it('makes no request on a page without it', async () => {
    const fetchMock = stubFetch(withReferrals(launcherState(pointsData()), null));
    makeRoot();
    await settle();
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it('opens the friend offer at once; a double click claims once; the code has Copy and Apply', async () => {
    window.history.replaceState({}, '', '/?ref=ADA2345678');
    const posts: RequestInit[] = [];
    const state = withReferrals(launcherState(pointsData()), null);
    const fetchMock = stubFetch(state, (_url, init) => {
      posts.push(init!);
      return {
        body: {
          section: 'referrals',
          data: { program, member: null },
          result: { code: 'FRIEND-ABC123', status: 'pending', expires_at: '2027-01-02T00:00:00Z' },
        },
      };
    });
    const root = makeRoot();
    await settle();
    // The page view's state, and the link's visit counted (both at once: the shopper came for it).
    expect(fetchMock.mock.calls.map((c) => c[0])).toEqual([
      '/apps/rewards/api/state',
      '/apps/rewards/api/referrals/visit',
    ]);
    posts.length = 0;
    expect(byText(root, 'h3', 'A gift from your friend')).toBeDefined();
    expect(byText(root, 'p', '10% off your first order')).toBeDefined();
    const email = root.shadowRoot!.getElementById('lly-friend-email') as HTMLInputElement;
    expect(root.shadowRoot!.querySelector('label[for="lly-friend-email"]')!.textContent).toBe('Your email');
    email.value = 'bob@example.com';
    email.dispatchEvent(new Event('input', { bubbles: true }));
    await settle();
    const claim = byText(root, 'button', 'Get my code')!;
    claim.click();
    claim.click();
    await settle();
    expect(posts).toHaveLength(1);
    expect(fetchMock.mock.calls[2]![0]).toBe('/apps/rewards/api/referrals/claim');
    expect(JSON.parse(posts[0]!.body as string)).toEqual({ code: 'ADA2345678', email: 'bob@example.com' });
    expect(root.shadowRoot!.querySelector('[data-testid="friend-code"]')!.textContent).toBe('FRIEND-ABC123');
    expect(byText(root, 'a', 'Apply to cart')!.getAttribute('href')).toBe('/discount/FRIEND-ABC123?redirect=/cart');
    expect(byText(root, 'p', 'Expires on January 2, 2027')).toBeDefined();
  });

  it('tells a friend who has ordered that the offer is for new customers, in French', async () => {
    window.history.replaceState({}, '', '/?ref=ADA2345679');
    stubFetch(withReferrals(launcherState(pointsData()), null), () => ({
      status: 409,
      body: { code: 'friend_not_new', message: 'This offer is for new customers…' },
    }));
    const root = makeRoot('fr');
    await settle();
    const email = root.shadowRoot!.getElementById('lly-friend-email') as HTMLInputElement;
    email.value = 'old@example.com';
    email.dispatchEvent(new Event('input', { bubbles: true }));
    byText(root, 'button', 'Obtenir mon code')!.click();
    await settle();
    const alert = root.shadowRoot!.querySelector('[role="alert"]')!;
    expect(alert.textContent).toContain('réservée aux nouveaux clients');
    expect(email.getAttribute('aria-invalid')).toBe('true');
  });
});

describe('refer a friend (a member)', () => {
  it('shows the link, copies it, shares by plain links only, and lists referrals with their status', async () => {
    const state = withReferrals(launcherState(pointsData(memberData(1200)), { id: '7', first_name: 'Ann' }), referralsMember());
    stubFetch(state);
    const root = makeRoot();
    root.shadowRoot!.querySelector<HTMLButtonElement>('button.lly-btn')!.click();
    await settle();
    // Home's entry to the view.
    expect(byText(root, '.lly-card', 'Give your friends 10% off their first order. Get 1,000 points')).toBeDefined();
    all(root, '.lly-card button').find((b) => b.textContent === 'Refer a friend')!.click();
    await settle();
    expect(byText(root, 'h3', 'Refer a friend')).toBeDefined();
    const link = root.shadowRoot!.getElementById('lly-ref-link') as HTMLInputElement;
    expect(link.value).toBe('https://demo.myshopify.com/?ref=ADA2345678');
    expect(link.readOnly).toBe(true);
    byText(root, 'button', 'Copy link')!.click();
    await settle();
    expect(navigator.clipboard.writeText).toHaveBeenCalledWith('https://demo.myshopify.com/?ref=ADA2345678');
    expect(root.shadowRoot!.querySelector('[aria-live="polite"]')!.textContent).toBe('Copied');
    const shares = all(root, '.lly-share a');
    expect(shares.map((a) => a.textContent)).toEqual(['Email', 'WhatsApp', 'X']);
    expect(shares[1]!.getAttribute('href')).toMatch(/^https:\/\/wa\.me\/\?text=/);
    expect(shares[1]!.getAttribute('rel')).toBe('noopener noreferrer');
    expect(all(root, 'script')).toHaveLength(0);
    const items = all(root, '.lly-cards li').map((li) => li.textContent);
    expect(items).toEqual([
      'c**@example.comPending',
      'b**@example.comCompleted1,000 points pending',
      'd**@example.comRejected',
    ]);
    expect(byText(root, 'p', 'Pending: 1,000 points')).toBeDefined();
  });

  it('names a catalog reward instead of points, shows its code once it works, and lists it in My codes', async () => {
    const catalog: ReferralsSection['program'] = {
      ...program,
      reward: { kind: 'reward', points: null, name: '$20 off', hold_days: 14, text: 'You get $20 off…' },
    };
    const code = (status: string, extra: Partial<Row['reward']>): Row['reward'] => ({
      kind: 'reward', status, points: 0, name: '$20 off', code: null, available_at: null, expires_at: null, ...extra,
    });
    const completed = { status: 'completed', reward_points: 0, claimed_at: '2026-11-01T00:00:00Z', completed_at: '2026-11-02T00:00:00Z' };
    const member = {
      ...referralsMember(),
      points_pending: 0,
      referrals: [
        { id: 4, friend: 'e**@example.com', ...completed, reward_status: 'pending', reward: code('pending', { available_at: '2026-12-20T10:00:00Z' }) },
        { id: 5, friend: 'f**@example.com', ...completed, reward_status: 'available', reward: code('available', { code: 'RWD-READY1', expires_at: '2027-03-01T00:00:00Z' }) },
        { id: 6, friend: 'g**@example.com', ...completed, reward_status: 'used', reward: code('used', { code: 'RWD-USED22' }) },
        { id: 7, friend: 'h**@example.com', ...completed, reward_status: 'failed', reward: code('failed', {}) },
      ],
    };
    const base = launcherState(pointsData(memberData(1200)), { id: '7', first_name: 'Ann' });
    stubFetch({ ...base, sections: [...base.sections, { key: 'referrals', title: 'Referrals', data: { program: catalog, member } }] });
    const root = makeRoot();
    root.shadowRoot!.querySelector<HTMLButtonElement>('button.lly-btn')!.click();
    await settle();
    expect(byText(root, '.lly-card', 'Give your friends 10% off their first order. Get $20 off for each friend who orders.')).toBeDefined();
    all(root, '.lly-card button').find((b) => b.textContent === 'Refer a friend')!.click();
    await settle();
    expect(byText(root, 'p', "You get $20 off when a friend's first order is paid. Your code works 14 days after")).toBeDefined();
    // No points line for a program that gives no points.
    expect(byText(root, 'p', 'Pending:')).toBeUndefined();
    expect(root.shadowRoot!.textContent).not.toMatch(/NaN|null|undefined/);
    const items = all(root, '.lly-cards li').map((li) => li.textContent);
    expect(items).toEqual([
      'e**@example.comCompleted$20 off: usable from December 20, 2026',
      expect.stringMatching(/^f\*\*@example\.comCompleted\$20 off: your code is ready \(also in My codes\)RWD-READY1Copy codeApply to cart/),
      'g**@example.comCompleted$20 off: used',
      'h**@example.comCompleted$20 off: we could not create your code. Please contact the shop.',
    ]);
    expect(all(root, '.lly-cards li a').map((a) => a.getAttribute('href'))).toEqual(['/discount/RWD-READY1?redirect=/cart']);
    // My codes lists the working code (with its expiry) and the used one, not the pending one.
    all(root, '.lly-nav button').find((b) => b.textContent === 'My codes')!.click();
    await settle();
    const codes = all(root, '.lly-cards li').map((li) => li.textContent);
    expect(codes.filter((t) => t!.includes('$20 off'))).toEqual([
      expect.stringMatching(/^\$20 offReady to useRWD-READY1Expires on March 1, 2027Copy code/),
      '$20 offUsedRWD-USED22',
    ]);
  });

  it('keeps only mailto and https share pages of known networks', () => {
    expect(shareHref('mailto:?body=x')).toBe('mailto:?body=x');
    expect(shareHref('https://www.facebook.com/sharer/sharer.php?u=x')).toContain('facebook.com');
    expect(shareHref('https://evil.example/?u=x')).toBeNull();
    expect(shareHref('javascript:alert(1)')).toBeNull();
  });
});

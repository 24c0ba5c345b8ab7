import { describe, expect, it } from 'vitest';
import { createI18n } from './i18n';
import {
  applyCodeHref,
  errorKey,
  explain,
  balanceChange,
  pointsSection,
  safeHref,
  storefrontHref,
  variableChoices,
  variableValue,
  withSection,
} from './model';
import type { HistoryEntry, LauncherState, PointsSection } from './types';

const section = (balance: number | null): PointsSection => ({
  program: { enabled: true, opt_in: false },
  ways_to_earn: [],
  rewards: [],
  member: balance === null ? null : { state: 'active', balance },
});

const state = (data: PointsSection): LauncherState => ({
  shop: { domain: 'x', currency: 'USD' },
  customer: null,
  links: { login: '/account/login', register: '/account/register', cart: '/cart' },
  launcher: {},
  sections: [
    { key: 'vip', title: 'VIP', data: { tier: 'gold' } },
    { key: 'points', title: 'Points', data },
  ],
});

describe('model', () => {
  it('finds the points section among others and replaces it after an action', () => {
    const s = state(section(100));
    expect(pointsSection(s)?.member?.balance).toBe(100);
    const next = withSection(s, { section: 'points', data: section(40) });
    expect(pointsSection(next)?.member?.balance).toBe(40);
    expect(next.sections[0]).toBe(s.sections[0]);
    expect(pointsSection({ ...s, sections: [] })).toBeNull();
  });

  it('keeps only plain links', () => {
    expect(safeHref('/account/login')).toBe('/account/login');
    expect(safeHref('https://instagram.com/x')).toBe('https://instagram.com/x');
    expect(safeHref('javascript:alert(1)')).toBeNull();
    expect(safeHref('//evil.example')).toBeNull();
    expect(safeHref(42)).toBeNull();
  });

  it('builds the apply-to-cart link under the storefront root', () => {
    expect(applyCodeHref('/', 'RWD-AB12', '/cart')).toBe('/discount/RWD-AB12?redirect=/cart');
    expect(applyCodeHref('/fr/', 'A B', '/cart')).toBe('/fr/discount/A%20B?redirect=/fr/cart');
    expect(applyCodeHref('/', 'X', 'javascript:x')).toBe('/discount/X?redirect=/cart');
  });

  it('puts server links under the storefront root', () => {
    expect(storefrontHref('/', '/account/login')).toBe('/account/login');
    expect(storefrontHref('/fr/', '/account/login')).toBe('/fr/account/login');
    expect(storefrontHref('/store/x/', '/cart')).toBe('/store/x/cart');
    expect(storefrontHref('/', 'https://evil.example/')).toBeNull();
    expect(storefrontHref('/', '//evil.example/')).toBeNull();
  });

  it('offers variable amounts by step up to the balance', () => {
    expect(variableChoices(100, 500, 100, 350)).toEqual([100, 200, 300]);
    expect(variableChoices(100, 500, 100, 50)).toEqual([]);
    expect(variableValue(300, 100, '1.00')).toBe('3.00');
    expect(variableValue(300, 100, '0.10')).toBe('0.30');
  });

  it('announces only a real balance change', () => {
    expect(balanceChange(section(100), section(100))).toBeNull();
    expect(balanceChange(section(100), section(40))).toBe(40);
    expect(balanceChange(section(null), section(200))).toBe(200);
    expect(balanceChange(section(100), section(null))).toBeNull();
  });
});

describe('history explanations', () => {
  const credit: HistoryEntry = {
    id: 1,
    created_at: '2026-12-01T10:00:00Z',
    points: 500,
    kind: 'order',
    status: 'posted',
    description: 'Order #1001',
    explanation: '500 points from order #1001, 200 of them expire on 1 March',
    lot: { points: 500, remaining: 200, expires_at: '2027-03-01T00:00:00Z' },
  };

  it('shows the server sentence in English and composes one in French and German', () => {
    expect(explain(credit, createI18n('en'))).toBe(credit.explanation);
    expect(explain(credit, createI18n('fr'))).toBe(
      '500 points pour Order #1001, dont 200 expirent le 1 mars.',
    );
    expect(explain(credit, createI18n('de'))).toBe(
      '500 Punkte für Order #1001, davon verfallen 200 am 1. März.',
    );
    const spent = { ...credit, points: -300, lot: null, description: 'Reward €5 off' };
    expect(explain(spent, createI18n('fr'))).toBe('300 points pour Reward €5 off.');
  });

  it('maps known error codes to locale keys and leaves the rest to the server', () => {
    expect(errorKey('insufficient_points')).toBe('err_insufficient_points');
    expect(errorKey('brand_new_code')).toBeNull();
  });
});

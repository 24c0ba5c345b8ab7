import { describe, expect, it } from 'vitest';
import {
  applyCodeHref,
  balanceChange,
  pointsSection,
  safeHref,
  variableChoices,
  variableValue,
  withSection,
} from './model';
import type { LauncherState, PointsSection } from './types';

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
    expect(applyCodeHref('/fr/', 'A B', '/fr/cart')).toBe('/fr/discount/A%20B?redirect=/fr/cart');
    expect(applyCodeHref('/', 'X', 'javascript:x')).toBe('/discount/X?redirect=/cart');
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

import { describe, expect, it } from 'vitest';
import { createI18n } from './i18n';
import { vipProgress, vipRequirement, vipSection } from './model';
import type { LauncherState, VipSection, VipTier } from './types';

const NBSP = /[\u00a0\u202f]/g;

const gold: VipTier = {
  id: 2, name: 'Gold', rank: 2, basis: 'spent', period: 'calendar_year', threshold: '100.00',
  multiplier: '1.5', perks: ['A birthday gift'], current: false,
};

function vip(progress: NonNullable<VipSection['member']>['progress']): VipSection {
  return { tiers: [gold], member: { tier: null, kept_until: null, progress } };
}

describe('vip', () => {
  it('says what is left in the next tier basis, money in the shop currency', () => {
    const en = createI18n('en');
    const spent = vip({ tier: 'Gold', basis: 'spent', period: 'lifetime', remaining: '40.00', threshold: '100.00' });
    expect(vipProgress(spent, en, 'USD')).toBe('Spend $40.00 more to reach Gold.');
    const orders = vip({ tier: 'Gold', basis: 'orders', period: 'lifetime', remaining: '3', threshold: '5' });
    expect(vipProgress(orders, en, 'USD')).toBe('3 more orders to reach Gold.');
    const one = vip({ tier: 'Gold', basis: 'orders', period: 'lifetime', remaining: '1', threshold: '5' });
    expect(vipProgress(one, en, 'USD')).toBe('1 more order to reach Gold.');
    const points = vip({ tier: 'Gold', basis: 'points', period: 'lifetime', remaining: '250', threshold: '900' });
    expect(vipProgress(points, en, 'USD')).toBe('250 more points to reach Gold.');
    expect(vipProgress(vip(null), en, 'USD')).toBeNull();
  });

  it('composes in French and German', () => {
    const spent = vip({ tier: 'Or', basis: 'spent', period: 'lifetime', remaining: '40.00', threshold: '100.00' });
    expect(vipProgress(spent, createI18n('fr'), 'EUR')!.replace(NBSP, ' ')).toBe(
      'Dépensez encore 40,00 € pour atteindre Or.',
    );
    const orders = vip({ tier: 'Gold', basis: 'orders', period: 'lifetime', remaining: '3', threshold: '5' });
    expect(vipProgress(orders, createI18n('de'), 'EUR')).toBe('Noch 3 Bestellungen bis Gold.');
  });

  it('describes what a tier takes over its period', () => {
    const en = createI18n('en');
    expect(vipRequirement(gold, en, 'USD')).toBe('Spend $100.00 in a calendar year');
    expect(vipRequirement({ ...gold, basis: 'orders', threshold: '5', period: 'lifetime' }, en, 'USD')).toBe(
      '5 orders',
    );
    expect(vipRequirement({ ...gold, basis: 'points', threshold: '900', period: 'rolling_12_months' }, en, 'USD')).toBe(
      'Earn 900 points within 12 months',
    );
  });

  it('finds the section, or none when the shop runs no club', () => {
    const state = { sections: [{ key: 'vip', title: 'VIP', data: vip(null) }] } as unknown as LauncherState;
    expect(vipSection(state)?.tiers[0]?.name).toBe('Gold');
    expect(vipSection({ ...state, sections: [] })).toBeNull();
  });
});

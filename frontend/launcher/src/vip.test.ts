import { describe, expect, it } from 'vitest';
import { createI18n } from './i18n';
import { vipBenefits, vipProgress, vipRequirement, vipSection } from './model';
import type { LauncherState, VipSection, VipTier } from './types';

const NBSP = /[\u00a0\u202f]/g;

const gold: VipTier = {
  id: 2, name: 'Gold', rank: 2, basis: 'spent', period: 'calendar_year', threshold: '100.00',
  multiplier: '1.5', perks: ['A birthday gift'], discount_percent: null, perk: null, current: false,
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

  it('words a tier discount and its recurring perk in each language, text only', () => {
    const tier = { discount_percent: '10', perk: { kind: 'free_shipping', percent: null, every: 'month' } } as const;
    expect(vipBenefits(tier, createI18n('en'))).toEqual(['10% off every order', 'A free-shipping code every month']);
    const quarterly = { discount_percent: '12.5', perk: { kind: 'percent_off', percent: '15', every: 'quarter' } } as const;
    expect(vipBenefits(quarterly, createI18n('en'))).toEqual(['12.5% off every order', 'A 15% off code every quarter']);
    expect(vipBenefits(tier, createI18n('fr')).map((l) => l.replace(NBSP, ' '))).toEqual([
      '10 % de réduction sur chaque commande',
      'Un code de livraison gratuite chaque mois',
    ]);
    expect(vipBenefits(quarterly, createI18n('de')).map((l) => l.replace(NBSP, ' '))).toEqual([
      '12,5 % Rabatt auf jede Bestellung',
      'Jedes Quartal ein Code über 15 % Rabatt',
    ]);
    expect(vipBenefits(gold, createI18n('en'))).toEqual([]);
  });

  it('finds the section, or none when the shop runs no club', () => {
    const state = { sections: [{ key: 'vip', title: 'VIP', data: vip(null) }] } as unknown as LauncherState;
    expect(vipSection(state)?.tiers[0]?.name).toBe('Gold');
    expect(vipSection({ ...state, sections: [] })).toBeNull();
  });
});

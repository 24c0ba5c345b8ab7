import { describe, expect, it } from 'vitest';
import { CATALOGS, createI18n, resolveLanguage } from './i18n';

const NBSP = /[\u00a0\u202f]/g;

describe('i18n', () => {
  it('resolves storefront tags to a supported language', () => {
    expect(resolveLanguage('fr-CA')).toBe('fr');
    expect(resolveLanguage('de')).toBe('de');
    expect(resolveLanguage('pt-BR')).toBe('en');
    expect(resolveLanguage('')).toBe('en');
    expect(resolveLanguage(undefined)).toBe('en');
  });

  it('every locale file has every key of the English one, with the same placeholders', () => {
    const placeholders = (s: unknown) => JSON.stringify(s).match(/\{\w+\}/g)?.sort() ?? [];
    for (const [lang, messages] of Object.entries(CATALOGS)) {
      for (const [key, value] of Object.entries(CATALOGS.en!)) {
        const other = (messages as Record<string, unknown>)[key];
        expect(other, `${lang}.${key}`).toBeDefined();
        expect(placeholders(other), `${lang}.${key}`).toEqual(placeholders(value));
      }
      expect(Object.keys(messages).sort()).toEqual(Object.keys(CATALOGS.en!).sort());
    }
  });

  it('translates and fills placeholders', () => {
    expect(createI18n('fr').t('greeting', { name: 'Ann' })).toBe('Bonjour Ann');
    expect(createI18n('de-DE').t('redeem')).toBe('Einlösen');
    expect(createI18n('es').t('redeem')).toBe('Redeem');
  });

  it('pluralises points with Intl.PluralRules and groups digits per locale', () => {
    expect(createI18n('en').points(1)).toBe('1 point');
    expect(createI18n('en').points(1200)).toBe('1,200 points');
    // French: 0 and 1 are singular; thousands grouped with a narrow no-break space.
    expect(createI18n('fr').points(0)).toBe('0 point');
    expect(createI18n('fr').points(1200).replace(NBSP, ' ')).toBe('1 200 points');
    expect(createI18n('de').points(1200)).toBe('1.200 Punkte');
  });

  it('formats money in the shop currency in the storefront locale', () => {
    expect(createI18n('en').money('12.00', 'USD')).toBe('$12.00');
    expect(createI18n('fr').money('12.00', 'EUR').replace(NBSP, ' ')).toBe('12,00 €');
    expect(createI18n('de').money('1234.5', 'EUR').replace(NBSP, ' ')).toBe('1.234,50 €');
    expect(createI18n('en').money('oops', 'USD')).toBe('oops');
  });

  it('formats dates in the locale', () => {
    expect(createI18n('en').date('2027-03-01T00:00:00Z')).toBe('March 1, 2027');
    expect(createI18n('fr').date('2027-03-01T00:00:00Z')).toBe('1 mars 2027');
    expect(createI18n('de').date('1990-03-14', false)).toBe('14. März');
  });
});

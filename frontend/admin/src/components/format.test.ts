import { describe, expect, it } from 'vitest';
import { decimalText, formatDate, formatMoney, formatNumber } from './format';

describe('formatMoney', () => {
  it('writes an amount in its currency, in the locale', () => {
    expect(formatMoney('29.00', 'USD', { locale: 'en-US' })).toBe('$29.00');
    expect(formatMoney('5', 'EUR', { locale: 'en-US' })).toBe('€5.00');
    expect(formatMoney('1234.5', 'EUR', { locale: 'de-DE' })).toBe('1.234,50\u00a0€');
    expect(formatMoney('100', 'JPY', { locale: 'en-US' })).toBe('¥100'); // no minor unit
  });

  it('drops the cents of a whole amount when asked (a reward’s name)', () => {
    expect(formatMoney('5.00', 'EUR', { locale: 'en-US', whole: true })).toBe('€5');
    expect(formatMoney('5.50', 'EUR', { locale: 'en-US', whole: true })).toBe('€5.50');
  });

  it('formats the decimal string exactly, not through a float', () => {
    expect(formatMoney('12345678901234.57', 'USD', { locale: 'en-US' })).toBe('$12,345,678,901,234.57');
  });

  it('leaves what is not an amount as it came, and survives an unknown currency code', () => {
    expect(formatMoney('', 'USD', { locale: 'en-US' })).toBe('');
    expect(formatMoney('n/a', 'USD', { locale: 'en-US' })).toBe('n/a');
    expect(formatMoney('3.00', 'not a code', { locale: 'en-US' })).toBe('3.00 not a code');
  });
});

describe('formatNumber', () => {
  it('groups the digits of a count in the locale', () => {
    expect(formatNumber(1234567, 'en-US')).toBe('1,234,567');
    expect(formatNumber(-2500, 'en-US')).toBe('-2,500');
    expect(formatNumber('1234567', 'de-DE')).toBe('1.234.567');
  });

  it('shows nothing as 0 and junk as it came', () => {
    expect(formatNumber(null, 'en-US')).toBe('0');
    expect(formatNumber(undefined, 'en-US')).toBe('0');
    expect(formatNumber('n/a', 'en-US')).toBe('n/a');
  });
});

describe('formatDate', () => {
  it('writes an ISO date in the locale, a dash for none, and junk as it came', () => {
    expect(formatDate('2026-03-04T12:00:00Z', 'en-US')).toBe('3/4/2026');
    expect(formatDate('2026-03-04T12:00:00Z', 'de-DE')).toBe('4.3.2026');
    expect(formatDate(null)).toBe('—');
    expect(formatDate('soon')).toBe('soon');
  });
});

describe('decimalText', () => {
  it('drops the padding of the column’s scale only', () => {
    expect(decimalText('5.0000')).toBe('5');
    expect(decimalText('1.2500')).toBe('1.25');
    expect(decimalText('10')).toBe('10');
    expect(decimalText('100.00')).toBe('100');
    expect(decimalText(null)).toBe('');
    expect(decimalText('abc')).toBe('abc');
  });
});

// The admin's one place for showing money, dates and decimals, so every page writes them the
// same way, in the merchant's locale (the browser's, as Shopify's admin sets it).
//
// Money arrives from the API as a decimal string in a currency (the shop's, or a plan's billing
// currency). It is formatted from the string, not a float, so amounts print exactly
// (Intl.NumberFormat accepts decimal strings).

const moneyFormats = new Map<string, Intl.NumberFormat>();

function moneyFormat(currency: string, locale?: string): Intl.NumberFormat {
  const key = `${locale ?? ''}|${currency}`;
  let format = moneyFormats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(locale, { style: 'currency', currency });
    moneyFormats.set(key, format);
  }
  return format;
}

/**
 * `formatMoney('29.00', 'USD')` → "$29.00"; with `whole`, a whole amount drops its cents
 * (`'5.00'` → "$5", for a reward's name). An unknown currency code falls back to "29.00 XYZ".
 */
export function formatMoney(
  amount: string | number,
  currency: string,
  { locale, whole = false }: { locale?: string; whole?: boolean } = {},
): string {
  const value = typeof amount === 'number' ? amount : amount.trim();
  if (value === '' || Number.isNaN(Number(value))) return String(amount);
  try {
    const format = whole && Number.isInteger(Number(value)) ? wholeFormat(currency, locale) : moneyFormat(currency, locale);
    // Strings are formatted exactly (ES2023 Intl.NumberFormat v3); TypeScript's lib types
    // still say number.
    return format.format(value as number);
  } catch {
    return `${value} ${currency}`;
  }
}

function wholeFormat(currency: string, locale?: string): Intl.NumberFormat {
  return new Intl.NumberFormat(locale, { style: 'currency', currency, minimumFractionDigits: 0, maximumFractionDigits: 0 });
}

/**
 * A count (points, members, referrals) with the locale's digit grouping: `formatNumber(1234567)`
 * → "1,234,567" in English, "1.234.567" in German. Junk is shown as it came.
 */
export function formatNumber(value: number | string | null | undefined, locale?: string): string {
  if (value === null || value === undefined || value === '') return '0';
  const number = Number(value);
  return Number.isFinite(number) ? new Intl.NumberFormat(locale).format(number) : String(value);
}

/** A date (ISO 8601 from the API) in the merchant's locale; "—" for none, as is for junk. */
export function formatDate(iso: string | null | undefined, locale?: string): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleDateString(locale);
}

/**
 * A decimal from the API for a form field, without the padding of its column's scale:
 * "5.0000" → "5", "1.50" → "1.5", "10" → "10". The server accepts either.
 */
export function decimalText(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  if (!/^-?\d+\.\d+$/.test(text)) return text;
  return text.replace(/\.?0+$/, '');
}

// Every string the shopper reads comes from locales/*.json; numbers, money and dates from Intl
// in the storefront's locale and the shop's currency.
import de from './locales/de.json';
import en from './locales/en.json';
import fr from './locales/fr.json';

export type Messages = typeof en;
export type MessageKey = { [K in keyof Messages]: Messages[K] extends string ? K : never }[keyof Messages];
export type PluralKey = { [K in keyof Messages]: Messages[K] extends string ? never : K }[keyof Messages];

export const CATALOGS: Record<string, Messages> = { en, fr, de };

/** The supported language for a BCP 47 tag: "fr-CA" → "fr"; unknown → "en". */
export function resolveLanguage(tag: string | null | undefined): string {
  const lang = (tag || '').trim().toLowerCase().split(/[-_]/)[0] || '';
  return lang in CATALOGS ? lang : 'en';
}

function fill(template: string, vars: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in vars ? String(vars[name]) : whole,
  );
}

export interface I18n {
  /** The locale Intl formats with (the storefront's tag when valid). */
  locale: string;
  lang: string;
  t(key: MessageKey, vars?: Record<string, string | number>): string;
  /** "1 point" / "1 200 points", chosen by Intl.PluralRules. */
  points(n: number): string;
  /** A plural message ("3 more orders to reach {tier}") with `n` formatted and `vars` filled. */
  count(key: PluralKey, n: number, vars?: Record<string, string | number>): string;
  number(n: number): string;
  money(amount: string | number, currency: string): string;
  /** "10" → "10 %" / "10%" as the locale writes it. */
  percent(value: string | number): string;
  date(iso: string, withYear?: boolean): string;
}

function validLocale(tag: string, lang: string): string {
  try {
    return Intl.getCanonicalLocales(tag)[0] || lang;
  } catch {
    return lang;
  }
}

export function createI18n(tag: string | null | undefined): I18n {
  const lang = resolveLanguage(tag);
  const messages = CATALOGS[lang]!;
  // The full tag ("fr-CA") formats numbers and dates, unless its language is unsupported:
  // then English text goes with English formats rather than a mix.
  const sameLanguage = !!tag && tag.toLowerCase().startsWith(lang);
  const locale = sameLanguage ? validLocale(tag.replace('_', '-'), lang) : lang;
  const plural = new Intl.PluralRules(locale);
  const numberFormat = new Intl.NumberFormat(locale);
  const i18n: I18n = {
    locale,
    lang,
    t: (key, vars = {}) => fill(messages[key] ?? en[key], vars),
    points: (n) => i18n.count('points', n),
    count: (key, n, vars = {}) => {
      const forms = (messages[key] ?? en[key]) as Record<string, string>;
      return fill(forms[plural.select(n)] ?? forms.other!, { ...vars, n: numberFormat.format(n) });
    },
    number: (n) => numberFormat.format(n),
    money: (amount, currency) => {
      const value = typeof amount === 'number' ? amount : Number(amount);
      if (!Number.isFinite(value)) return String(amount);
      try {
        return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(value);
      } catch {
        return `${numberFormat.format(value)} ${currency}`;
      }
    },
    percent: (value) => {
      const n = Number(value);
      if (!Number.isFinite(n)) return String(value);
      return new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 2 }).format(n / 100);
    },
    date: (iso, withYear = true) => {
      const d = new Date(iso.length === 10 ? `${iso}T00:00:00Z` : iso);
      if (Number.isNaN(d.getTime())) return iso;
      return new Intl.DateTimeFormat(locale, {
        day: 'numeric',
        month: 'long',
        ...(withYear ? { year: 'numeric' } : {}),
        timeZone: 'UTC',
      }).format(d);
    },
  };
  return i18n;
}

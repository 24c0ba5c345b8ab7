// Pure helpers the panel's views share; kept apart from the components so they are unit-tested.
import type { I18n, MessageKey } from './i18n';
import type {
  ActionAnswer,
  Code,
  HistoryEntry,
  LauncherState,
  PointsSection,
  ReferralsSection,
  VipSection,
  VipTier,
} from './types';

export function pointsSection(state: LauncherState | null): PointsSection | null {
  const section = state?.sections?.find((s) => s.key === 'points');
  return section ? (section.data as PointsSection) : null;
}

/** The VIP club's section, when the shop runs one. */
export function vipSection(state: LauncherState | null): VipSection | null {
  const section = state?.sections?.find((s) => s.key === 'vip');
  return section ? (section.data as VipSection) : null;
}

/** "Spend $40.00 more to reach Gold", "3 more orders to reach Gold", in the tier's basis. */
export function vipProgress(vip: VipSection, i18n: I18n, currency: string): string | null {
  const progress = vip.member?.progress;
  if (!progress) return null;
  const vars = { tier: progress.tier };
  if (progress.basis === 'spent') {
    return i18n.t('vip_progress_spent', { ...vars, amount: i18n.money(progress.remaining, currency) });
  }
  const n = Number(progress.remaining);
  return i18n.count(progress.basis === 'orders' ? 'vip_progress_orders' : 'vip_progress_points', n, vars);
}

/** What reaching a tier takes: "Spend $100.00 in a calendar year", "5 orders". */
export function vipRequirement(tier: VipTier, i18n: I18n, currency: string): string {
  const n = Number(tier.threshold);
  const what =
    tier.basis === 'spent'
      ? i18n.t('vip_reach_spent', { amount: i18n.money(tier.threshold, currency) })
      : tier.basis === 'orders'
        ? i18n.count('vip_reach_orders', n)
        : i18n.t('vip_reach_points', { points: i18n.points(n) });
  return i18n.t(PERIOD_KEYS[tier.period] || 'vip_period_lifetime', { what });
}

/** A tier's automatic discount and recurring perk in words ("10% off every order", "A
 * free-shipping code every month"), before the merchant's own perks. */
export function vipBenefits(tier: Pick<VipTier, 'discount_percent' | 'perk'>, i18n: I18n): string[] {
  const lines: string[] = [];
  if (tier.discount_percent) lines.push(i18n.t('vip_discount', { percent: i18n.percent(tier.discount_percent) }));
  const perk = tier.perk;
  if (perk) {
    const key = `vip_perk_${perk.kind}_${perk.every}` as MessageKey;
    lines.push(i18n.t(key, { percent: perk.percent ? i18n.percent(perk.percent) : '' }));
  }
  return lines;
}

const PERIOD_KEYS: Record<string, MessageKey> = {
  lifetime: 'vip_period_lifetime',
  calendar_year: 'vip_period_calendar_year',
  rolling_12_months: 'vip_period_rolling_12_months',
};

export function referralsSection(state: LauncherState | null): ReferralsSection | null {
  const section = state?.sections?.find((s) => s.key === 'referrals');
  return section ? (section.data as ReferralsSection | null) : null;
}

/** The referrer's catalog reward codes that work or were used, as "My codes" lists codes. */
export function referralCodes(section: ReferralsSection | null): Code[] {
  return (section?.member?.referrals || []).flatMap((r) =>
    r.reward?.kind === 'reward' && r.reward.code && (r.reward.status === 'available' || r.reward.status === 'used')
      ? [{ code: r.reward.code, title: r.reward.name, used: r.reward.status === 'used', expires_at: r.reward.expires_at }]
      : [],
  );
}

/** The networks' share pages the server may link to; any other URL is dropped. */
const SHARE_HOSTS = ['wa.me', 'twitter.com', 'x.com', 'www.facebook.com'];

/** A share link from the server: a `mailto:` or an https URL of a known network, else null. */
export function shareHref(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  if (value.startsWith('mailto:')) return value;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' && SHARE_HOSTS.includes(url.hostname) ? url.href : null;
  } catch {
    return null;
  }
}

/** A referral's status as the referrer reads it: pending, completed, rejected, reversed. */
export function referralStatusKey(status: string): MessageKey {
  if (status === 'completed') return 'referral_completed';
  if (status === 'rejected') return 'referral_rejected';
  if (status === 'reversed') return 'referral_reversed';
  return 'referral_pending'; // claimed (no order yet) or held for review
}

/** The state with the points section an action answered in place of the old one. */
export function withSection(state: LauncherState, answer: ActionAnswer): LauncherState {
  return {
    ...state,
    sections: state.sections.map((s) =>
      s.key === (answer.section || 'points') ? { ...s, data: answer.data } : s,
    ),
  };
}

/**
 * A same-site path or an http(s) URL, else null. Server links go into href attributes, so a
 * `javascript:` URL (or anything that is not plainly a link) is dropped.
 */
export function safeHref(value: unknown): string | null {
  if (typeof value !== 'string' || !value) return null;
  if (value.startsWith('/') && !value.startsWith('//')) return value;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
  } catch {
    return null;
  }
}

/**
 * A storefront link from the server ("/account/login", "/cart": paths from Shopify's root)
 * under the storefront's actual root ("/", "/fr/"), so a French shopper stays in French.
 * Anything that is not a same-site path is dropped.
 */
export function storefrontHref(rootUrl: string, path: unknown): string | null {
  if (typeof path !== 'string' || !path.startsWith('/') || path.startsWith('//')) return null;
  return rootUrl + path.slice(1);
}

/** Shopify's "apply a code and go to the cart" link: {root}discount/CODE?redirect={root}cart. */
export function applyCodeHref(rootUrl: string, code: string, cartPath: string | undefined): string {
  const cart = storefrontHref(rootUrl, cartPath) || rootUrl + 'cart';
  return `${rootUrl}discount/${encodeURIComponent(code)}?redirect=${encodeURI(cart)}`;
}

/** The values a variable reward can take: min..max by step, capped by the balance. */
export function variableChoices(
  min: number,
  max: number,
  step: number,
  balance: number,
): number[] {
  const out: number[] = [];
  const s = step > 0 ? step : 1;
  for (let p = min; p <= Math.min(max, balance) && out.length < 200; p += s) out.push(p);
  return out;
}

/** The money value of `points` of a variable reward (value_per_step per step). */
export function variableValue(points: number, step: number, valuePerStep: string): string {
  const steps = Math.floor(points / (step > 0 ? step : 1));
  // Cents as integers: no float drift in what the shopper is told they get.
  const cents = Math.round(Number(valuePerStep) * 100) * steps;
  return (cents / 100).toFixed(2);
}

/** The balance change worth announcing, or null when the balance did not move. */
export function balanceChange(before: PointsSection | null, after: PointsSection | null): number | null {
  const a = before?.member?.balance;
  const b = after?.member?.balance;
  if (typeof b !== 'number' || a === b) return null;
  return b;
}

const ERROR_KEYS: Record<string, MessageKey> = {
  insufficient_points: 'err_insufficient_points',
  birthday_already_set: 'err_birthday_already_set',
  invalid_birthday: 'err_invalid_birthday',
  throttled: 'err_throttled',
  not_signed_in: 'err_not_signed_in',
  program_closed: 'err_program_closed',
  reward_unavailable: 'err_reward_unavailable',
  customer_not_found: 'err_customer_not_found',
  invalid_email: 'err_invalid_email',
  friend_not_new: 'err_friend_not_new',
  offer_expired: 'err_offer_expired',
  unknown_referral_code: 'err_unknown_referral_code',
  self_referral: 'err_self_referral',
  referrals_closed: 'err_referrals_closed',
};

/** The locale key for an API error code, or null (then the server's sentence is shown). */
export function errorKey(code: string): MessageKey | null {
  return ERROR_KEYS[code] || null;
}

/**
 * A history entry's explanation in the shopper's language. The server's sentence is English,
 * so English shows it as is; French and German compose one from the entry's parts.
 */
export function explain(entry: HistoryEntry, i18n: I18n): string {
  if (i18n.lang === 'en' && entry.explanation) return entry.explanation;
  const description = entry.description || '';
  const points = i18n.points(Math.abs(entry.points));
  if (!description) return entry.explanation || '';
  if (entry.points < 0) return i18n.t('explain_debit', { points, description });
  const lot = entry.lot;
  if (lot && lot.expires_at && lot.remaining > 0) {
    return i18n.t('explain_credit_expiring', {
      points,
      description,
      remaining: i18n.number(lot.remaining),
      date: i18n.date(lot.expires_at, false),
    });
  }
  return i18n.t('explain_credit', { points, description });
}

/**
 * After a redeem the code is created in the shop by a background job: while any code is still
 * being prepared, the panel re-reads the state after each of these delays (ms, about 30 s in
 * all, for a busy worker), then stops.
 */
export const PENDING_CODE_POLL_MS = [500, 1000, 2000, 4000, 8000, 15000] as const;

export function hasPendingCode(points: PointsSection | null): boolean {
  return !!points?.member?.codes?.some((c) => c.status === 'pending');
}

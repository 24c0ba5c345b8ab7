// The storefront API's shapes (CONTRACT-launcher.md). Only what the launcher reads.

export interface WayToEarn {
  id: number | null; // null for the order way
  kind: string; // order | signup | birthday | social_follow | product_review | custom
  title: string;
  points?: number;
  /** Order way: points per unit of the shop currency spent (a decimal string). */
  points_per_unit?: string;
  minimum_order?: string | null;
  description?: string;
  done?: boolean;
  birthday?: string | null;
  network?: string;
  url?: string;
}

export interface Reward {
  id: number;
  kind: string;
  title: string;
  cost?: number;
  value?: string | null;
  percent?: string | null;
  cost_value?: string | null;
  minimum_order?: string | null;
  variable: boolean;
  affordable?: boolean;
  min_points?: number;
  max_points?: number;
  step?: number;
  value_per_step?: string;
}

export interface Code {
  code: string;
  title: string;
  value?: string | null;
  percent?: string | null;
  status?: string; // pending | issued | used
  used: boolean;
  created_at?: string;
  expires_at?: string | null;
}

export interface HistoryEntry {
  id: number;
  created_at: string;
  points: number;
  kind: string;
  status: string;
  description?: string;
  explanation?: string;
  posts_at?: string | null;
  lot?: { points: number; remaining: number; expires_at: string | null } | null;
  spent_from?: { points: number; description: string; expires_at: string | null }[];
}

export interface HistoryPage {
  entries: HistoryEntry[];
  next_cursor: string | null;
}

export interface Member {
  state: string;
  balance: number;
  balance_value?: string;
  pending?: number;
  pending_lots?: { points: number; posts_at: string }[];
  expiring?: { points: number; expires_at: string }[];
  codes?: Code[];
  history?: HistoryPage;
}

export interface PointsSection {
  program: {
    enabled: boolean;
    opt_in: boolean;
    point_value?: { points: number; amount: string };
    /** Signed in, not a member, program open: offer Join. */
    can_join?: boolean;
  };
  ways_to_earn: WayToEarn[];
  rewards: Reward[];
  member: Member | null;
}

export type TierBasis = 'spent' | 'orders' | 'points';

/** One tier of the club, as every shopper sees it (loyalty/storefront/API.md, VIP section). */
export interface VipTier {
  id: number;
  name: string;
  rank: number;
  basis: TierBasis;
  period: 'lifetime' | 'calendar_year' | 'rolling_12_months';
  /** Money (spent) or a whole number (orders, points), as a decimal string. */
  threshold: string;
  multiplier: string;
  perks: string[];
  /** Percent off every order, without a code ("12.5"), or null: none. */
  discount_percent: string | null;
  /** A code issued to every member each month or quarter, or null: none. */
  perk: VipPerk | null;
  current: boolean;
}

export interface VipPerk {
  kind: 'free_shipping' | 'percent_off';
  /** The percent-off code's percent ("15"); null for free shipping. */
  percent: string | null;
  every: 'month' | 'quarter';
}

export interface VipSection {
  tiers: VipTier[];
  member: {
    tier: {
      id: number;
      name: string;
      multiplier: string;
      perks: string[];
      invitation_only: boolean;
      discount_percent: string | null;
      perk: VipPerk | null;
    } | null;
    /** The last day the tier is kept (YYYY-MM-DD, the shop's timezone), or null: no end. */
    kept_until: string | null;
    progress: { tier: string; basis: TierBasis; period: string; remaining: string; threshold: string } | null;
  } | null;
}

/** The referrer's reward for one referral: points, or a catalog reward's code given free. */
export interface ReferralReward {
  kind: 'points' | 'reward';
  /** Points: "" | pending | posted | void. A code: "" | pending (usable from available_at) |
   * available | used | void | failed. */
  status: string;
  points: number;
  /** The catalog reward's name ("" for points). */
  name: string;
  /** Only once it works (available) or was used. */
  code: string | null;
  available_at: string | null;
  /** The code's own end, or null: none. */
  expires_at: string | null;
}

export interface ReferralRow {
  id: number;
  /** Masked by the server ("b**@example.com"). */
  friend: string;
  status: string; // claimed | held | completed | rejected | reversed
  reward_status: string; // "" | pending | posted | void
  reward_points: number;
  reward: ReferralReward;
  claimed_at: string;
  completed_at: string | null;
}

export interface ReferralsSection {
  program: {
    offer: { kind: string; value: string | null; minimum_order: string | null; text: string };
    /** Points (``points`` set), or a catalog reward (``name`` set, ``points`` null). */
    reward: { kind: 'points' | 'reward'; points: number | null; name: string | null; hold_days: number; text: string };
  };
  member: {
    code: string;
    link: string;
    proxy_link: string;
    share: Partial<Record<'email' | 'whatsapp' | 'x' | 'facebook', string>>;
    stats: Record<string, number>;
    points_pending: number;
    points_earned: number;
    referrals: ReferralRow[];
  } | null;
}

export interface Section {
  key: string;
  title: string;
  data: unknown;
}

export interface LauncherState {
  shop: { domain: string; name?: string; currency: string };
  customer: { id: string; first_name?: string | null } | null;
  links: { login: string; register: string; cart: string };
  launcher: {
    label?: string;
    position?: string;
    button_color?: string;
    text_color?: string;
    icon?: string;
    program_name?: string;
    /** Merchant overrides of widget strings, by locale key. */
    texts?: Record<string, string>;
  };
  sections: Section[];
}

export interface ActionAnswer {
  section: string;
  data: unknown;
  result?: {
    code?: string;
    redemption_id?: number;
    points?: number;
    status?: string;
    expires_at?: string | null;
  };
}

export interface LauncherConfig {
  proxyPath: string;
  /** The storefront's root, always ending in "/" ("/", "/fr/"). */
  rootUrl: string;
  customerId: string;
  shop: string;
  locale: string;
  label: string;
  buttonColor: string;
  textColor: string;
  position: 'bottom-right' | 'bottom-left';
  icon: string;
  panelSrc: string;
}

/** What the loader hands the panel when it opens. */
export interface PanelContext {
  host: ShadowRoot;
  config: LauncherConfig;
  state: Promise<LauncherState>;
  /** Fetch the state again (after an error, when the shopper asks). */
  reload(): Promise<LauncherState>;
  /** Called once the panel has closed; the loader returns focus to its button. */
  onClose(): void;
  /**
   * Drawn as a preview inside another page (the admin's Branding page): the panel takes no
   * focus, is not modal and draws no backdrop, so the page around it stays usable.
   */
  preview?: boolean;
  /** A referral code from the page's `?ref=` (the loader opened the panel for it). */
  referral?: string;
}

export interface PanelModule {
  open(ctx: PanelContext): void;
  close(): void;
}

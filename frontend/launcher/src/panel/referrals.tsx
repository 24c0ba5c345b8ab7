/** @jsxImportSource preact */
// "Refer a friend" (a member's link, share links, referrals) and the friend's offer (a guest who
// came through `?ref=CODE`: an email in, a single-use code out). Server data goes in as text.
import { useState } from 'preact/hooks';
import { idempotencyKey } from '../api';
import type { I18n } from '../i18n';
import { referralStatusKey, referralsSection, shareHref } from '../model';
import type { ReferralRow, ReferralsSection } from '../types';
import { useEnv } from './context';
import { CodeActions } from './rewards';
import { CopyButton, ErrorText, ViewTitle } from './widgets';

type Offer = ReferralsSection['program']['offer'];
type ProgramReward = ReferralsSection['program']['reward'];

/** The offer in the shopper's language: "10% off their first order" (or "your", for the friend). */
export function offerText(i18n: I18n, offer: Offer, currency: string, friend: boolean): string {
  if (offer.kind === 'percent') {
    const percent = i18n.percent(offer.value || 0);
    return i18n.t(friend ? 'friend_offer_percent' : 'offer_percent', { percent });
  }
  if (offer.kind === 'fixed') {
    const amount = i18n.money(offer.value || 0, currency);
    return i18n.t(friend ? 'friend_offer_fixed' : 'offer_fixed', { amount });
  }
  return i18n.t(friend ? 'friend_offer_free_shipping' : 'offer_free_shipping');
}

/** What both sides get: the offer, and the referrer's points or catalog reward (by name). */
function teaser(i18n: I18n, offer: Offer, currency: string, reward: ProgramReward): string {
  const text = offerText(i18n, offer, currency, false);
  return reward.kind === 'reward'
    ? i18n.t('refer_teaser_reward', { offer: text, reward: reward.name || '' })
    : i18n.t('refer_teaser', { offer: text, points: i18n.points(reward.points || 0) });
}

function Minimum({ offer }: { offer: Offer }) {
  const { i18n, currency } = useEnv();
  if (!offer.minimum_order) return null;
  return <p class="lly-muted">{i18n.t('offer_minimum', { amount: i18n.money(offer.minimum_order, currency) })}</p>;
}

/** Home's entry to the view: what both sides get, and the way in. */
export function ReferCard() {
  const { i18n, state, currency, go } = useEnv();
  const section = referralsSection(state);
  if (!section?.member) return null;
  const { offer, reward } = section.program;
  return (
    <div class="lly-card">
      <h3 class="lly-h3">{i18n.t('refer_title')}</h3>
      <p>{teaser(i18n, offer, currency, reward)}</p>
      <button type="button" class="lly-btn2" onClick={() => go('refer')}>
        {i18n.t('nav_refer')}
      </button>
    </div>
  );
}

/** A completed referral's reward: its points, or the catalog reward's code once it works. */
function RowReward({ row }: { row: ReferralRow }) {
  const { i18n } = useEnv();
  const reward = row.reward;
  if (reward?.kind !== 'reward') {
    if (row.reward_status === 'pending') {
      return <p class="lly-muted">{i18n.t('referral_reward_pending', { points: i18n.points(row.reward_points) })}</p>;
    }
    if (row.reward_status === 'posted') {
      return <p class="lly-plus">{i18n.t('referral_reward_posted', { points: i18n.points(row.reward_points) })}</p>;
    }
    return null;
  }
  const name = reward.name;
  if (reward.status === 'pending' && reward.available_at) {
    return <p class="lly-muted">{i18n.t('referral_code_pending', { reward: name, date: i18n.date(reward.available_at) })}</p>;
  }
  if (reward.status === 'available' && reward.code) {
    return (
      <>
        <p class="lly-plus">{i18n.t('referral_code_ready', { reward: name })}</p>
        <p class="lly-code">{reward.code}</p>
        <CodeActions code={reward.code} />
      </>
    );
  }
  if (reward.status === 'used') return <p class="lly-muted">{i18n.t('referral_code_used', { reward: name })}</p>;
  if (reward.status === 'failed') return <p class="lly-error">{i18n.t('referral_code_failed', { reward: name })}</p>;
  return null; // void: the referral's badge says why (rejected, order returned)
}

const NETWORKS = [
  ['email', 'share_email'],
  ['whatsapp', 'share_whatsapp'],
  ['x', 'share_x'],
  ['facebook', 'share_facebook'],
] as const;

/** A member's referral view: the reward explained, the link, share links, their referrals. */
export function Refer() {
  const { i18n, state, currency } = useEnv();
  const section = referralsSection(state);
  const member = section?.member;
  if (!section || !member) return null;
  const { offer, reward } = section.program;
  const byCode = reward.kind === 'reward';
  return (
    <div>
      <ViewTitle>{i18n.t('refer_title')}</ViewTitle>
      <p>{teaser(i18n, offer, currency, reward)}</p>
      <Minimum offer={offer} />
      <p class="lly-muted">
        {byCode
          ? i18n.t('refer_reward_reward', { reward: reward.name || '' })
          : i18n.t('refer_reward', { points: i18n.points(reward.points || 0) })}
        {reward.hold_days
          ? ' ' + i18n.t(byCode ? 'refer_hold_reward' : 'refer_hold', { days: i18n.number(reward.hold_days) })
          : ''}
      </p>
      <div class="lly-form">
        <label for="lly-ref-link">{i18n.t('refer_link_label')}</label>
        <input id="lly-ref-link" type="text" readOnly value={member.link} onFocus={(e) => e.currentTarget.select()} />
      </div>
      <div class="lly-actions">
        <CopyButton code={member.link} label={i18n.t('copy_link')} />
      </div>
      <h4 class="lly-h4">{i18n.t('share_title')}</h4>
      <ul class="lly-share">
        {NETWORKS.map(([key, name]) => {
          const href = shareHref(member.share[key]);
          const network = i18n.t(name);
          return href ? (
            <li key={key}>
              <a
                class="lly-btn2"
                href={href}
                target={key === 'email' ? undefined : '_blank'}
                rel="noopener noreferrer"
                aria-label={
                  i18n.t('share_on', { network }) +
                  (key === 'email' ? '' : ' ' + i18n.t('opens_new_tab'))
                }
              >
                {network}
              </a>
            </li>
          ) : null;
        })}
      </ul>
      <h4 class="lly-h4">{i18n.t('referrals_title')}</h4>
      {byCode ? null : (
        <p class="lly-muted">
          {i18n.t('refer_points_pending', { points: i18n.points(member.points_pending) })}
          {' · '}
          {i18n.t('refer_points_earned', { points: i18n.points(member.points_earned) })}
        </p>
      )}
      {member.referrals.length ? (
        <ul class="lly-cards">
          {member.referrals.map((r) => (
            <li key={r.id} class="lly-card">
              <div class="lly-row">
                {/* A masked email is one long word: it breaks rather than run out of the card. */}
                <span class="lly-who">{r.friend}</span>
                <span class={r.status === 'completed' ? 'lly-badge lly-ok' : 'lly-badge'}>
                  {i18n.t(referralStatusKey(r.status))}
                </span>
              </div>
              {r.status === 'completed' ? <RowReward row={r} /> : null}
            </li>
          ))}
        </ul>
      ) : (
        <p>{i18n.t('referrals_none')}</p>
      )}
    </div>
  );
}

interface Claimed {
  code: string;
  expires_at?: string | null;
}

// A claim's answer per referral code, so reopening the panel on the same page shows the code.
const claims = new Map<string, Claimed>();

/** The friend's offer: an email, one claim (a double click claims once), then the code. */
export function FriendOffer({ code }: { code: string }) {
  const { i18n, state, currency, act } = useEnv();
  const section = referralsSection(state);
  const [email, setEmail] = useState('');
  // One key per intent: a double click re-sends it and joins the first request.
  const [key, setKey] = useState(idempotencyKey);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [claimed, setClaimed] = useState<Claimed | null>(claims.get(code) || null);
  if (!section) return null;
  const { offer } = section.program;
  if (claimed) {
    return (
      <div key="claimed">
        <ViewTitle>{i18n.t('code_title')}</ViewTitle>
        <p>{offerText(i18n, offer, currency, true)}</p>
        <p class="lly-code" data-testid="friend-code">
          {claimed.code}
        </p>
        {claimed.expires_at ? (
          <p class="lly-muted">{i18n.t('expires_on', { date: i18n.date(claimed.expires_at) })}</p>
        ) : null}
        <p class="lly-muted">{i18n.t('friend_code_hint')}</p>
        <CodeActions code={claimed.code} />
      </div>
    );
  }
  const submit = (e: Event) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    act('referrals/claim', { code, email: email.trim() }, key).then(
      (answer) => {
        setBusy(false);
        const result = { code: answer.result?.code || '', expires_at: answer.result?.expires_at };
        claims.set(code, result);
        setClaimed(result);
      },
      (err) => {
        setBusy(false);
        setError(err);
      },
    );
  };
  return (
    <div>
      <ViewTitle>{i18n.t('friend_title')}</ViewTitle>
      <p class="lly-big-offer">{offerText(i18n, offer, currency, true)}</p>
      <Minimum offer={offer} />
      <p>{i18n.t('friend_body')}</p>
      <form class="lly-form" onSubmit={submit} noValidate>
        <label for="lly-friend-email">{i18n.t('friend_email')}</label>
        <input
          id="lly-friend-email"
          type="email"
          autocomplete="email"
          required
          value={email}
          aria-invalid={error ? 'true' : undefined}
          aria-describedby={error ? 'lly-friend-error' : undefined}
          onInput={(e) => {
            setEmail(e.currentTarget.value);
            setKey(idempotencyKey());
          }}
        />
        <div id="lly-friend-error">
          <ErrorText error={error} />
        </div>
        <div class="lly-actions">
          <button type="submit" class="lly-primary" aria-disabled={busy}>
            {i18n.t('friend_claim')}
          </button>
        </div>
      </form>
    </div>
  );
}

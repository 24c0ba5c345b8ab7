/** @jsxImportSource preact */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { idempotencyKey, postJson, singleFlight } from '../api';
import { palette } from '../color';
import { createI18n, type MessageKey } from '../i18n';
import {
  balanceChange,
  hasPendingCode,
  PENDING_CODE_POLL_MS,
  pointsSection,
  referralsSection,
  vipSection,
  withSection,
} from '../model';
import type { ActionAnswer, LauncherState, PanelContext } from '../types';
import { Env, type PanelEnv } from './context';
import { Earn } from './earn';
import { History } from './history';
import { Guest, Home, JoinProgram, NotAvailable } from './home';
import { FriendOffer, Refer } from './referrals';
import { Codes, Rewards } from './rewards';
import { Vip } from './vip';

const VIEWS = [
  ['home', 'nav_home'],
  ['earn', 'nav_earn'],
  ['rewards', 'nav_rewards'],
  ['codes', 'nav_codes'],
  ['vip', 'nav_vip'],
  ['history', 'nav_history'],
  ['refer', 'nav_refer'],
] as const satisfies readonly (readonly [string, MessageKey])[];
// 'friend': the offer of the referral link the page was opened with (not in the menu).
type View = (typeof VIEWS)[number][0] | 'friend';

const FOCUSABLE =
  'a[href],button:not([disabled]),input:not([disabled]),select:not([disabled]),textarea,[tabindex]:not([tabindex="-1"])';

const post = singleFlight<ActionAnswer>();

/**
 * The last state each launcher saw, actions included, so reopening the panel shows it without
 * a request. Keyed by the launcher's shadow root.
 */
const seen = new WeakMap<ShadowRoot, LauncherState>();
// Launchers that counted their page's referral link (the funnel's "invited"), once a page view.
const visited = new WeakSet<ShadowRoot>();

export function App({ ctx, onClose }: { ctx: PanelContext; onClose: () => void }) {
  const i18n = useMemo(() => createI18n(ctx.config.locale), [ctx.config.locale]);
  const [state, setState] = useState<LauncherState | null>(seen.get(ctx.host) || null);
  const [failed, setFailed] = useState(false);
  const [view, setView] = useState<View>(ctx.referral ? 'friend' : 'home');
  const [message, setMessage] = useState('');
  const dialog = useRef<HTMLDivElement>(null);

  const load = (promise: Promise<LauncherState>) => {
    setFailed(false);
    promise.then(
      (s) => {
        seen.set(ctx.host, s);
        setState(s);
      },
      () => setFailed(true),
    );
  };
  useEffect(() => {
    if (!state) load(ctx.state);
    if (ctx.referral && !ctx.preview && !visited.has(ctx.host)) {
      visited.add(ctx.host);
      const url = `${ctx.config.proxyPath}/api/referrals/visit`;
      // Counting is best effort: the offer works without it.
      postJson(url, { code: ctx.referral }, idempotencyKey()).catch(() => undefined);
    }
  }, []);
  // A code being prepared (just redeemed): re-read the state with backoff until it is ready, so
  // "My codes" turns to "Ready to use" without a reload. A failed re-read just stops polling.
  const polls = useRef(0);
  useEffect(() => {
    if (!hasPendingCode(pointsSection(state))) {
      polls.current = 0;
      return;
    }
    const delay = PENDING_CODE_POLL_MS[polls.current];
    if (delay === undefined) return;
    polls.current += 1;
    const timer = setTimeout(() => {
      ctx.reload().then(
        (s) => {
          seen.set(ctx.host, s);
          setState(s);
        },
        () => undefined,
      );
    }, delay);
    return () => clearTimeout(timer);
  }, [state]);
  useEffect(() => {
    const el = dialog.current;
    if (el && !ctx.preview && !el.contains(ctx.host.activeElement)) el.focus();
  }, [state, failed]);

  const colors = palette(
    ctx.config.buttonColor || state?.launcher.button_color,
    ctx.config.textColor || state?.launcher.text_color,
  );
  const title = state?.launcher.program_name || state?.shop.name || ctx.config.label;
  const points = pointsSection(state);
  const vip = vipSection(state);

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      onClose();
      return;
    }
    if (e.key !== 'Tab' || !dialog.current) return;
    // Focus stays inside the dialog: Tab moves through its controls and wraps around. The
    // dialog moves focus itself, since focus may sit on a heading (tabindex -1) after the
    // last control, from where the browser would leave the dialog.
    const items = Array.from(dialog.current.querySelectorAll<HTMLElement>(FOCUSABLE));
    if (!items.length) return;
    e.preventDefault();
    const active = ctx.host.activeElement;
    const at = active ? items.indexOf(active as HTMLElement) : -1;
    let next: HTMLElement | undefined;
    if (at >= 0) {
      next = items[(at + (e.shiftKey ? items.length - 1 : 1)) % items.length];
    } else {
      const after = items.filter(
        (el) => !!active && !!(active.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING),
      );
      next = e.shiftKey ? items.filter((el) => !after.includes(el)).pop() : after[0];
      next = next || (e.shiftKey ? items[items.length - 1] : items[0]);
    }
    next!.focus();
  };

  let body;
  if (failed) {
    body = (
      <div>
        <p class="lly-error" role="alert">
          {i18n.t('error_load')}
        </p>
        <button type="button" class="lly-primary" onClick={() => load(ctx.reload())}>
          {i18n.t('retry')}
        </button>
      </div>
    );
  } else if (!state || !points) {
    body = <p role="status">{i18n.t('loading')}</p>;
  } else {
    const env: PanelEnv = {
      i18n,
      config: ctx.config,
      state,
      points,
      currency: state.shop.currency,
      announce: setMessage,
      preview: !!ctx.preview,
      go: (next) => setView(next as View),
      act: (path, payload, key) =>
        post(key, () => postJson<ActionAnswer>(`${ctx.config.proxyPath}/api/${path}`, payload, key)).then(
          (answer) => {
            const before = seen.get(ctx.host) || state;
            const next = withSection(before, answer);
            const balance = balanceChange(pointsSection(before), pointsSection(next));
            seen.set(ctx.host, next);
            setState(next);
            if (balance !== null) {
              setMessage(i18n.t('announce_balance', { points: i18n.points(balance) }));
            }
            return answer;
          },
        ),
    };
    const member = points.member;
    const referrals = referralsSection(state);
    // The link's offer, unless it is the member's own link (then their referral view).
    const ownLink = !!referrals?.member && referrals.member.code === ctx.referral?.toUpperCase();
    const friend = view === 'friend' && !!ctx.referral && !!referrals && !ownLink;
    const shown: View = view === 'friend' && !friend ? (ownLink ? 'refer' : 'home') : view;
    const menu = VIEWS.filter(
      ([key]) => (key !== 'refer' || !!referrals?.member) && (key !== 'vip' || !!vip),
    );
    const View = friend
      ? null
      : !state.customer
        ? Guest
      : member
        ? null
        : points.program.can_join
          ? JoinProgram
          : NotAvailable;
    body = (
      <Env.Provider value={env}>
        {friend ? (
          <FriendOffer code={ctx.referral!} />
        ) : View ? (
          <View />
        ) : (
          <div>
            <nav aria-label={i18n.t('nav_label')}>
              <ul class="lly-nav">
                {menu.map(([key, label]) => (
                  <li key={key}>
                    <button
                      type="button"
                      aria-current={shown === key ? 'page' : undefined}
                      onClick={() => setView(key)}
                    >
                      {i18n.t(label)}
                    </button>
                  </li>
                ))}
              </ul>
            </nav>
            {shown === 'home' ? <Home /> : null}
            {shown === 'earn' ? <Earn /> : null}
            {shown === 'rewards' ? <Rewards /> : null}
            {shown === 'codes' ? <Codes /> : null}
            {shown === 'vip' && vip ? <Vip vip={vip} /> : null}
            {shown === 'history' ? <History /> : null}
            {shown === 'refer' ? <Refer /> : null}
          </div>
        )}
      </Env.Provider>
    );
  }

  return (
    <div
      class="lly-root"
      lang={i18n.locale}
      style={{
        '--lly-accent': colors.accent,
        '--lly-on-accent': colors.onAccent,
        '--lly-accent-text': colors.accentText,
      }}
    >
      {!ctx.preview && <div class="lly-backdrop" onClick={onClose} />}
      <div
        ref={dialog}
        class={'lly-dialog lly-' + ctx.config.position}
        role="dialog"
        aria-modal={ctx.preview ? undefined : 'true'}
        aria-labelledby="lly-title"
        tabIndex={-1}
        onKeyDown={onKeyDown}
      >
        <header class="lly-head">
          <h2 id="lly-title">{title}</h2>
          <button type="button" class="lly-close" onClick={onClose} aria-label={i18n.t('close')}>
            <span aria-hidden="true">×</span>
          </button>
        </header>
        <div class="lly-body">{body}</div>
        <div class="lly-sr" aria-live="polite" role="status">
          {message}
        </div>
      </div>
    </div>
  );
}

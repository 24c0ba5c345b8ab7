/** @jsxImportSource preact */
import { useState } from 'preact/hooks';
import { idempotencyKey } from '../api';
import { storefrontHref, vipSection } from '../model';
import { useEnv } from './context';
import { EarnList } from './earn';
import { ReferCard } from './referrals';
import { RewardList } from './rewards';
import { VipStatus, VipTiers } from './vip';
import { ErrorText, ViewTitle } from './widgets';

/** A shopper who is not signed in: how the program works, what it gives, sign in or join. */
export function Guest() {
  const { i18n, state, config } = useEnv();
  const texts = state.launcher.texts || {};
  const login = storefrontHref(config.rootUrl, state.links.login);
  const vip = vipSection(state);
  const register = storefrontHref(config.rootUrl, state.links.register);
  return (
    <div>
      <ViewTitle>{texts.guest_title || i18n.t('how_title')}</ViewTitle>
      {texts.guest_body ? <p>{texts.guest_body}</p> : null}
      <ol class="lly-steps">
        <li>{i18n.t('step_join')}</li>
        <li>{i18n.t('step_earn')}</li>
        <li>{i18n.t('step_redeem')}</li>
      </ol>
      <div class="lly-actions">
        {register ? (
          <a class="lly-primary" href={register}>
            {i18n.t('join')}
          </a>
        ) : null}
        {login ? (
          <a class="lly-btn2" href={login}>
            {i18n.t('sign_in')}
          </a>
        ) : null}
      </div>
      <h3 class="lly-h3">{i18n.t('earn_title')}</h3>
      <EarnList />
      <h3 class="lly-h3">{i18n.t('rewards_title')}</h3>
      <RewardList />
      <p class="lly-muted">{i18n.t('sign_in_to_redeem')}</p>
      {vip ? (
        <div>
          <h3 class="lly-h3">{i18n.t('vip_title')}</h3>
          <VipTiers vip={vip} />
          <p class="lly-muted">{i18n.t('vip_guest')}</p>
        </div>
      ) : null}
    </div>
  );
}

/** Signed in but not a member yet (an opt-in program, or a customer not enrolled). */
export function JoinProgram() {
  const { i18n, act } = useEnv();
  const [key] = useState(idempotencyKey);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const join = () => {
    if (busy) return;
    setBusy(true);
    setError(null);
    act('points/join', {}, key).then(
      () => setBusy(false),
      (e) => {
        setBusy(false);
        setError(e);
      },
    );
  };
  return (
    <div>
      <ViewTitle>{i18n.t('join_program_title')}</ViewTitle>
      <p>{i18n.t('join_program_body')}</p>
      <ErrorText error={error} />
      <button type="button" class="lly-primary" onClick={join} aria-disabled={busy}>
        {i18n.t('join')}
      </button>
      <h3 class="lly-h3">{i18n.t('earn_title')}</h3>
      <EarnList />
    </div>
  );
}

/** Signed in, not a member, and joining is not possible now (closed, or not synced yet). */
export function NotAvailable() {
  const { i18n } = useEnv();
  return (
    <div>
      <ViewTitle>{i18n.t('how_title')}</ViewTitle>
      <p>{i18n.t('not_available')}</p>
      <h3 class="lly-h3">{i18n.t('earn_title')}</h3>
      <EarnList />
    </div>
  );
}

/** A member's home: balance, its cash value, pending points, what expires next. */
export function Home() {
  const { i18n, state, points, currency } = useEnv();
  const member = points.member!;
  const name = state.customer?.first_name;
  const vip = vipSection(state);
  return (
    <div>
      <ViewTitle>{name ? i18n.t('greeting', { name }) : i18n.t('greeting_anon')}</ViewTitle>
      <div class="lly-balance">
        <span class="lly-muted">{i18n.t('balance_label')}</span>
        <strong class="lly-big" data-testid="balance">
          {i18n.points(member.balance)}
        </strong>
        {member.balance_value ? (
          <span>{i18n.t('worth', { amount: i18n.money(member.balance_value, currency) })}</span>
        ) : null}
      </div>
      {vip?.member ? <VipStatus vip={vip} /> : null}
      <ul class="lly-list">
        {(member.pending_lots || []).map((lot) => (
          <li key={'p' + lot.posts_at}>
            {i18n.t('pending', { points: i18n.points(lot.points), date: i18n.date(lot.posts_at) })}
          </li>
        ))}
        {(member.expiring || []).length ? (
          (member.expiring || []).map((lot) => (
            <li key={'e' + lot.expires_at}>
              {i18n.t('expiring', {
                points: i18n.points(lot.points),
                date: i18n.date(lot.expires_at),
              })}
            </li>
          ))
        ) : (
          <li>{i18n.t('nothing_expiring')}</li>
        )}
      </ul>
      <ReferCard />
    </div>
  );
}

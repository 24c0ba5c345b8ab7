/** @jsxImportSource preact */
import { useState } from 'preact/hooks';
import { idempotencyKey } from '../api';
import { safeHref } from '../model';
import type { WayToEarn } from '../types';
import { useEnv } from './context';
import { ErrorText, ViewTitle } from './widgets';

function Amount({ way }: { way: WayToEarn }) {
  const { i18n, currency } = useEnv();
  if (way.kind === 'order') {
    const rate = Number(way.points_per_unit || 0);
    return (
      <span class="lly-muted">
        {i18n.t('points_per_unit', { points: i18n.points(rate), amount: i18n.money(1, currency) })}
      </span>
    );
  }
  return <span class="lly-muted">{i18n.points(way.points || 0)}</span>;
}

function BirthdayForm({ way }: { way: WayToEarn }) {
  const { i18n, act } = useEnv();
  const [value, setValue] = useState('');
  const [key] = useState(idempotencyKey);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  if (way.done || way.birthday) {
    return <p>{i18n.t('birthday_set', { date: way.birthday ? i18n.date(way.birthday, false) : '' })}</p>;
  }
  const id = `lly-bday-${way.id}`;
  const submit = (e: Event) => {
    e.preventDefault();
    if (busy || !value) return;
    setBusy(true);
    setError(null);
    act('points/birthday', { birthday: value }, key).then(
      () => setBusy(false),
      (err) => {
        setBusy(false);
        setError(err);
      },
    );
  };
  return (
    <form class="lly-form" onSubmit={submit}>
      <label for={id}>{i18n.t('birthday_label')}</label>
      <input
        id={id}
        type="date"
        required
        value={value}
        aria-describedby={id + '-hint'}
        onInput={(e) => setValue((e.target as HTMLInputElement).value)}
      />
      <span id={id + '-hint'} class="lly-muted">
        {i18n.t('birthday_hint')}
      </span>
      <ErrorText error={error} />
      <button type="submit" class="lly-primary" aria-disabled={busy}>
        {i18n.t('birthday_save')}
      </button>
    </form>
  );
}

function FollowButton({ way }: { way: WayToEarn }) {
  const { i18n, act } = useEnv();
  const [key] = useState(idempotencyKey);
  const [busy, setBusy] = useState(false);
  const [credited, setCredited] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const href = safeHref(way.url);
  if (credited) return <p>{i18n.t('credited', { points: i18n.points(way.points || 0) })}</p>;
  if (way.done) return <span class="lly-badge">{i18n.t('done')}</span>;
  const follow = () => {
    // The merchant's page opens first (from the click, so no popup blocker stops it), then
    // the follow is credited, once: the server keys it by member and rule. The new balance
    // is announced by act().
    if (href) window.open(href, '_blank', 'noopener');
    if (busy) return;
    setBusy(true);
    setError(null);
    act('points/social', { rule_id: way.id }, key).then(
      () => {
        setBusy(false);
        setCredited(true);
      },
      (err) => {
        setBusy(false);
        setError(err);
      },
    );
  };
  return (
    <div>
      <ErrorText error={error} />
      <button type="button" class="lly-btn2" onClick={follow} aria-disabled={busy}>
        {i18n.t('follow')} <span class="lly-sr">{way.title} {i18n.t('opens_new_tab')}</span>
      </button>
    </div>
  );
}

/** Ways to earn; a member gets their actions (birthday form, social follows). */
export function EarnList() {
  const { points, i18n, currency } = useEnv();
  const member = !!points.member;
  return (
    <ul class="lly-cards">
      {points.ways_to_earn.map((way) => (
        <li key={way.id ?? way.kind} class="lly-card">
          <div class="lly-row">
            <strong>{way.title}</strong>
            <Amount way={way} />
          </div>
          {way.kind === 'order' && way.minimum_order ? (
            <p class="lly-muted">
              {i18n.t('minimum_order', { amount: i18n.money(way.minimum_order, currency) })}
            </p>
          ) : null}
          {member && way.kind === 'birthday' ? <BirthdayForm way={way} /> : null}
          {member && way.kind === 'social_follow' ? <FollowButton way={way} /> : null}
          {member && way.done && way.kind !== 'social_follow' && way.kind !== 'birthday' ? (
            <span class="lly-badge">{i18n.t('done')}</span>
          ) : null}
        </li>
      ))}
    </ul>
  );
}

export function Earn() {
  const { i18n } = useEnv();
  return (
    <div>
      <ViewTitle>{i18n.t('earn_title')}</ViewTitle>
      <EarnList />
    </div>
  );
}

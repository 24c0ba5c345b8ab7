/** @jsxImportSource preact */
import { useState } from 'preact/hooks';
import { idempotencyKey } from '../api';
import { applyCodeHref, referralCodes, referralsSection, variableChoices, variableValue } from '../model';
import type { Code, Reward } from '../types';
import { useEnv } from './context';
import { CopyButton, ErrorText, ViewTitle } from './widgets';

function rewardCost(reward: Reward): number {
  return reward.variable ? reward.min_points || 0 : reward.cost || 0;
}

/** The catalog. With `onRedeem` (a member), each affordable reward has a Redeem button. */
export function RewardList({ onRedeem }: { onRedeem?: (reward: Reward) => void }) {
  const { i18n, points, currency } = useEnv();
  const balance = points.member?.balance ?? 0;
  return (
    <ul class="lly-cards">
      {points.rewards.map((reward) => {
        const cost = rewardCost(reward);
        const short = Math.max(0, cost - balance);
        return (
          <li key={reward.id} class="lly-card">
            <div class="lly-row">
              <strong>{reward.title}</strong>
              <span class="lly-muted">
                {reward.variable
                  ? `${i18n.points(reward.min_points || 0)} – ${i18n.points(reward.max_points || 0)}`
                  : i18n.points(cost)}
              </span>
            </div>
            {!reward.variable && reward.value ? (
              <p class="lly-muted">{i18n.money(reward.value, currency)}</p>
            ) : null}
            {reward.percent ? (
              <p class="lly-muted">
                {i18n.t('percent_off', { percent: i18n.percent(reward.percent) })}
              </p>
            ) : null}
            {reward.minimum_order ? (
              <p class="lly-muted">
                {i18n.t('minimum_order', { amount: i18n.money(reward.minimum_order, currency) })}
              </p>
            ) : null}
            {onRedeem ? (
              short > 0 ? (
                <p class="lly-muted">{i18n.t('need_more', { points: i18n.points(short) })}</p>
              ) : (
                <div class="lly-actions">
                  <button
                    type="button"
                    class="lly-primary"
                    onClick={() => onRedeem(reward)}
                    aria-label={`${i18n.t('redeem')} ${reward.title}`}
                  >
                    {i18n.t('redeem')}
                  </button>
                </div>
              )
            ) : null}
          </li>
        );
      })}
    </ul>
  );
}

/** A code with Copy and "Apply to cart". */
export function CodeActions({ code }: { code: string }) {
  const { i18n, config, state } = useEnv();
  return (
    <div class="lly-actions">
      <CopyButton code={code} />
      <a class="lly-primary" href={applyCodeHref(config.rootUrl, code, state.links.cart)}>
        {i18n.t('apply')}
      </a>
    </div>
  );
}

function Confirm({ reward, onDone, onCancel }: {
  reward: Reward;
  onDone: (code: string) => void;
  onCancel: () => void;
}) {
  const { i18n, act, points, currency } = useEnv();
  const balance = points.member?.balance ?? 0;
  // One key for this intent: a double click or a retry re-sends it, so the server spends once.
  const [key] = useState(idempotencyKey);
  const choices = reward.variable
    ? variableChoices(reward.min_points || 0, reward.max_points || 0, reward.step || 1, balance)
    : [];
  const [spend, setSpend] = useState(reward.variable ? choices[0] || 0 : reward.cost || 0);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const confirm = () => {
    if (busy) return;
    setBusy(true);
    setError(null);
    const body = reward.variable ? { reward_id: reward.id, points: spend } : { reward_id: reward.id };
    act('points/redeem', body, key).then(
      (answer) => {
        setBusy(false);
        onDone(answer.result?.code || '');
      },
      (e) => {
        setBusy(false);
        setError(e);
      },
    );
  };
  return (
    <div class="lly-card" role="group" aria-labelledby="lly-confirm-title">
      <h3 class="lly-h3" id="lly-confirm-title" tabIndex={-1} ref={(el) => el?.focus()}>
        {i18n.t('confirm_title', { title: reward.title })}
      </h3>
      {reward.variable ? (
        <div class="lly-form">
          <label for="lly-spend">{i18n.t('points_to_spend')}</label>
          <select
            id="lly-spend"
            value={String(spend)}
            onChange={(e) => setSpend(Number((e.target as HTMLSelectElement).value))}
          >
            {choices.map((p) => (
              <option key={p} value={String(p)}>
                {i18n.points(p)} ({i18n.money(variableValue(p, reward.step || 1, reward.value_per_step || '0'), currency)})
              </option>
            ))}
          </select>
        </div>
      ) : null}
      <p>{i18n.t('confirm_body', { points: i18n.points(spend), balance: i18n.points(balance) })}</p>
      <ErrorText error={error} />
      <div class="lly-actions">
        <button type="button" class="lly-primary" onClick={confirm} aria-disabled={busy}>
          {i18n.t('confirm')}
        </button>
        <button type="button" class="lly-btn2" onClick={onCancel}>
          {i18n.t('cancel')}
        </button>
      </div>
    </div>
  );
}

/** Rewards: choose → confirm → the code with Copy and Apply. */
export function Rewards() {
  const { i18n } = useEnv();
  const [chosen, setChosen] = useState<Reward | null>(null);
  const [issued, setIssued] = useState<{ code: string; title: string } | null>(null);
  if (issued) {
    // Keyed: a new view, so its title mounts (and takes focus) instead of reusing the list's.
    return (
      <div key="issued">
        <ViewTitle>{i18n.t('code_title')}</ViewTitle>
        <p>{issued.title}</p>
        <p class="lly-code" data-testid="issued-code">
          {issued.code}
        </p>
        <p class="lly-muted">{i18n.t('code_hint')}</p>
        <CodeActions code={issued.code} />
      </div>
    );
  }
  return (
    <div>
      <ViewTitle>{i18n.t('rewards_title')}</ViewTitle>
      {chosen ? (
        <Confirm
          reward={chosen}
          onCancel={() => setChosen(null)}
          onDone={(code) => {
            setIssued({ code, title: chosen.title });
            setChosen(null);
          }}
        />
      ) : (
        <RewardList onRedeem={setChosen} />
      )}
    </div>
  );
}

function CodeItem({ code }: { code: Code }) {
  const { i18n } = useEnv();
  return (
    <li class="lly-card">
      <div class="lly-row">
        <strong>{code.title}</strong>
        <span class={code.used ? 'lly-badge' : 'lly-badge lly-ok'}>
          {code.used
            ? i18n.t('code_used')
            : code.status === 'pending'
              ? i18n.t('code_pending')
              : i18n.t('code_unused')}
        </span>
      </div>
      <p class="lly-code">{code.code}</p>
      {code.expires_at ? (
        <p class="lly-muted">{i18n.t('expires_on', { date: i18n.date(code.expires_at) })}</p>
      ) : null}
      {code.used ? null : <CodeActions code={code.code} />}
    </li>
  );
}

/** The member's codes: those bought with points, then those their referrals earned. */
export function Codes() {
  const { i18n, points, state } = useEnv();
  const codes = [...(points.member?.codes || []), ...referralCodes(referralsSection(state))];
  return (
    <div>
      <ViewTitle>{i18n.t('codes_title')}</ViewTitle>
      {codes.length ? (
        <ul class="lly-cards">
          {codes.map((c) => (
            <CodeItem key={c.code} code={c} />
          ))}
        </ul>
      ) : (
        <p>{i18n.t('codes_none')}</p>
      )}
    </div>
  );
}

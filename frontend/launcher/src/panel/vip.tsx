/** @jsxImportSource preact */
import { vipBenefits, vipProgress, vipRequirement } from '../model';
import type { VipSection } from '../types';
import { useEnv } from './context';
import { ViewTitle } from './widgets';

/** The club's tiers, lowest first: what each takes, its multiplier and perks; the member's own
 * is marked in words (not by colour alone). */
export function VipTiers({ vip }: { vip: VipSection }) {
  const { i18n, currency } = useEnv();
  return (
    <ul class="lly-cards" aria-label={i18n.t('vip_tiers_title')}>
      {vip.tiers.map((tier) => {
        const perks = [...vipBenefits(tier, i18n), ...tier.perks];
        return (
          <li key={tier.id} class="lly-card" aria-current={tier.current ? 'true' : undefined}>
            <div class="lly-row">
              <strong>{tier.name}</strong>
              {tier.current ? <span class="lly-badge lly-ok">{i18n.t('vip_current')}</span> : null}
            </div>
            <p class="lly-muted">{vipRequirement(tier, i18n, currency)}</p>
            <p>{i18n.t('vip_multiplier', { multiplier: i18n.number(Number(tier.multiplier)) })}</p>
            {perks.length ? (
              <ul class="lly-list" aria-label={`${i18n.t('vip_perks')}: ${tier.name}`}>
                {perks.map((perk, n) => (
                  <li key={n}>{perk}</li>
                ))}
              </ul>
            ) : null}
          </li>
        );
      })}
    </ul>
  );
}

/** The member's tier in a few lines: which, until when, and what is left for the next. */
export function VipStatus({ vip }: { vip: VipSection }) {
  const { i18n, currency } = useEnv();
  const member = vip.member;
  if (!member) return null;
  const progress = vipProgress(vip, i18n, currency);
  return (
    <div class="lly-balance" data-testid="vip-status">
      <strong>{member.tier ? i18n.t('vip_your_tier', { tier: member.tier.name }) : i18n.t('vip_no_tier')}</strong>
      {member.tier && member.kept_until ? (
        <span>{i18n.t('vip_kept_until', { date: i18n.date(member.kept_until) })}</span>
      ) : null}
      <span>{progress || (member.tier ? i18n.t('vip_top') : '')}</span>
    </div>
  );
}

/** The "VIP" view of a member: their tier, its perks, the way up, and every tier. */
export function Vip({ vip }: { vip: VipSection }) {
  const { i18n } = useEnv();
  const tier = vip.member?.tier;
  const perks = tier ? [...vipBenefits(tier, i18n), ...tier.perks] : [];
  return (
    <div>
      <ViewTitle>{i18n.t('vip_title')}</ViewTitle>
      <VipStatus vip={vip} />
      {perks.length ? (
        <div>
          <h4 class="lly-h4">{i18n.t('vip_perks')}</h4>
          <ul class="lly-list">
            {perks.map((perk, n) => (
              <li key={n}>{perk}</li>
            ))}
          </ul>
        </div>
      ) : null}
      <h4 class="lly-h4">{i18n.t('vip_tiers_title')}</h4>
      <VipTiers vip={vip} />
    </div>
  );
}

// A referral's fraud findings in words: which rule, what it decided, what it saw. Evidence is
// stored as the engine found it: `{"findings": [{rule, decision, evidence}]}` for an order's
// checks, or the one rule's evidence for a claim refused at once (fraud_rule names it).
import type { Referral } from '../../adminApi';
import { formatDate } from '../../components/format';

const RULES: Record<string, string> = {
  self_customer: 'Same customer as the referrer',
  self_email: 'Same email as the referrer (an alias)',
  self_phone: 'Same phone as the referrer',
  self_address: 'Same shipping address as the referrer',
  self_ip: 'Same browser IP as the referrer’s orders',
  friend_not_new: 'The friend had ordered before',
  velocity_referrer: 'Many referrals by this referrer',
  velocity_ip: 'Many referrals from one IP address',
  staff: 'Rejected by staff',
};

const KEYS: Record<string, string> = {
  customer_id: 'Customer',
  friend_email: 'Friend’s email',
  order_email: 'Order email',
  referrer_email: 'Referrer’s email',
  phone: 'Phone',
  address: 'Address',
  browser_ip: 'Browser IP',
  earlier_order_ids: 'Earlier orders',
  referrals: 'Referrals',
  days: 'Within (days)',
  ips: 'IP addresses',
};

export interface Finding {
  rule: string;
  label: string;
  decision: string; // reject | hold | ""
  evidence: string[]; // "Friend’s email: a+x@example.com"
}

function ruleLabel(rule: string): string {
  return RULES[rule] ?? rule.replace(/_/g, ' ');
}

function text(value: unknown): string {
  if (Array.isArray(value)) return value.map(text).join(', ');
  if (value && typeof value === 'object') return JSON.stringify(value);
  return String(value ?? '');
}

function lines(evidence: unknown): string[] {
  if (!evidence || typeof evidence !== 'object') return [];
  return Object.entries(evidence as Record<string, unknown>).map(
    ([key, value]) => `${KEYS[key] ?? key.replace(/_/g, ' ')}: ${text(value)}`,
  );
}

export function findings(referral: Pick<Referral, 'fraud_rule' | 'fraud_evidence'>): Finding[] {
  const stored = referral.fraud_evidence as { findings?: unknown } | null;
  if (stored && Array.isArray(stored.findings)) {
    return stored.findings.map((f: { rule?: string; decision?: string; evidence?: unknown }) => ({
      rule: f.rule ?? '',
      label: ruleLabel(f.rule ?? ''),
      decision: f.decision ?? '',
      evidence: lines(f.evidence),
    }));
  }
  if (!referral.fraud_rule) return [];
  return [
    {
      rule: referral.fraud_rule,
      label: ruleLabel(referral.fraud_rule),
      decision: referral.fraud_rule === 'staff' ? '' : 'reject',
      evidence: lines(stored),
    },
  ];
}

/** Who decided: "Staff 42 on 3 Dec 2026", "The fraud rules", or "". */
export function decidedBy(referral: Pick<Referral, 'decided_by' | 'decided_at'>): string {
  const when = referral.decided_at ? ` on ${formatDate(referral.decided_at)}` : '';
  if (referral.decided_by.startsWith('staff:')) return `Staff ${referral.decided_by.slice(6)}${when}`;
  if (referral.decided_by) return `${referral.decided_by}${when}`;
  return referral.decided_at ? `The fraud rules${when}` : '';
}

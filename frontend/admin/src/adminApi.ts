// The admin API's calls, typed from the OpenAPI schema (api-types.ts is generated: `make
// api-types`). Pages call these, never `fetch`.
import { api } from './api';
import type { components, operations } from './api-types';

export type Schemas = components['schemas'];
export type ProgramSettings = Schemas['ProgramSettings'];
export type ProgramSettingsInput = Schemas['PatchedProgramSettingsInputRequest'];
export type EarningRule = Schemas['EarningRule'];
export type Reward = Schemas['Reward'];
export type EarningRuleInput = Schemas['PatchedEarningRuleInputRequest'];
export type RewardInput = Schemas['PatchedRewardInputRequest'];
export type Member = Schemas['Member'];
export type MemberProfile = Schemas['MemberProfile'];
export type PointsAdjustment = Schemas['PointsAdjustmentRequest'];
export type PointsAdjustmentResult = Schemas['PointsAdjustmentResult'];
export type ReferralProgram = Schemas['ReferralProgram'];
export type ReferralProgramInput = Schemas['PatchedReferralProgramInputRequest'];
export type Referral = Schemas['Referral'];
export type ReferralPage = Schemas['ReferralPage'];
export type ReferralStats = Schemas['ReferralStats'];
export type MemberQuery = NonNullable<operations['members_list']['parameters']['query']>;

export interface Page<T> {
  next: string | null;
  previous: string | null;
  results: T[];
}

const BASE = '/api/admin';

function query(params: Record<string, string | number | boolean | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** A page's `next`/`previous` is an absolute URL; keep its path and query only. */
export function pagePath(url: string): string {
  const parsed = new URL(url, window.location.origin);
  return parsed.pathname + parsed.search;
}

export const adminApi = {
  program: (signal?: AbortSignal) => api.get<ProgramSettings>(`${BASE}/program`, { signal }),
  programUpdate: (version: string, fields: ProgramSettingsInput) =>
    api.patch<ProgramSettings>(`${BASE}/program`, fields, { headers: { 'If-Match': version } }),
  rules: (path = `${BASE}/earning-rules`, signal?: AbortSignal) =>
    api.get<Page<EarningRule>>(path, { signal }),
  ruleCreate: (fields: EarningRuleInput) => api.post<EarningRule>(`${BASE}/earning-rules`, fields),
  ruleUpdate: (id: number, version: string, fields: EarningRuleInput) =>
    api.patch<EarningRule>(`${BASE}/earning-rules/${id}`, fields, {
      headers: { 'If-Match': version },
    }),
  ruleDeactivate: (id: number) => api.post<EarningRule>(`${BASE}/earning-rules/${id}/deactivate`),
  rewards: (path = `${BASE}/rewards`, signal?: AbortSignal) =>
    api.get<Page<Reward>>(path, { signal }),
  rewardCreate: (fields: RewardInput) => api.post<Reward>(`${BASE}/rewards`, fields),
  rewardUpdate: (id: number, version: string, fields: RewardInput) =>
    api.patch<Reward>(`${BASE}/rewards/${id}`, fields, { headers: { 'If-Match': version } }),
  rewardDeactivate: (id: number) => api.post<Reward>(`${BASE}/rewards/${id}/deactivate`),
  members: (params: MemberQuery, signal?: AbortSignal) =>
    api.get<Page<Member>>(`${BASE}/members${query(params)}`, { signal }),
  membersPage: (path: string, signal?: AbortSignal) => api.get<Page<Member>>(path, { signal }),
  member: (id: number, signal?: AbortSignal) =>
    api.get<MemberProfile>(`${BASE}/members/${id}`, { signal }),
  memberAdjust: (id: number, key: string, body: PointsAdjustment) =>
    api.post<PointsAdjustmentResult>(`${BASE}/members/${id}/adjustments`, body, {
      headers: { 'Idempotency-Key': key },
    }),
  memberExclude: (id: number, reason: string) =>
    api.post<Member>(`${BASE}/members/${id}/exclude`, { reason }),
  memberInclude: (id: number) => api.post<Member>(`${BASE}/members/${id}/include`),
  referralProgram: (signal?: AbortSignal) =>
    api.get<ReferralProgram>(`${BASE}/referrals/program`, { signal }),
  referralProgramUpdate: (version: string, fields: ReferralProgramInput) =>
    api.patch<ReferralProgram>(`${BASE}/referrals/program`, fields, {
      headers: { 'If-Match': version },
    }),
  referrals: (params: { status?: string; before?: number }, signal?: AbortSignal) =>
    api.get<ReferralPage>(`${BASE}/referrals${query(params)}`, { signal }),
  referralStats: (signal?: AbortSignal) =>
    api.get<ReferralStats>(`${BASE}/referrals/stats`, { signal }),
  referralApprove: (id: number, note: string) =>
    api.post<Referral>(`${BASE}/referrals/${id}/approve`, { note }),
  referralReject: (id: number, note: string) =>
    api.post<Referral>(`${BASE}/referrals/${id}/reject`, { note }),
};

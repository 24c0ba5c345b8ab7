// The VIP club's calls, typed from the generated schema.
import { api } from './api';
import type { components } from './api-types';

type Schemas = components['schemas'];
export type TierConfig = Schemas['TierConfig'];
export type TierConfigApplied = Schemas['TierConfigApplied'];
export type TierConfigInput = Schemas['TierConfigInputRequest'];
export type TierInput = Schemas['TierInputRequest'];
export type Tier = Schemas['Tier'];
export type TierPreview = Schemas['TierPreview'];
export type TierDistribution = Schemas['TierDistribution'];
export type MemberVip = Schemas['MemberVip'];

const BASE = '/api/admin';

export const vipApi = {
  config: (signal?: AbortSignal) => api.get<TierConfig>(`${BASE}/vip`, { signal }),
  preview: (body: TierConfigInput) => api.post<TierPreview>(`${BASE}/vip/preview`, body),
  apply: (version: string, body: TierConfigInput) =>
    api.put<TierConfigApplied>(`${BASE}/vip`, body, { headers: { 'If-Match': `"${version}"` } }),
  distribution: (signal?: AbortSignal) =>
    api.get<TierDistribution>(`${BASE}/vip/distribution`, { signal }),
  assign: (memberId: number, tierId: number) =>
    api.put<MemberVip>(`${BASE}/members/${memberId}/vip-tiers/${tierId}`),
  remove: (memberId: number, tierId: number) =>
    api.delete<MemberVip>(`${BASE}/members/${memberId}/vip-tiers/${tierId}`),
};

// The onboarding's calls (kept apart from adminApi.ts, which the other pages share), typed from
// the generated schema.
import { api } from './api';
import type { components } from './api-types';

type Schemas = components['schemas'];
export type OnboardingProgress = Schemas['OnboardingProgress'];
export type ProgramTemplate = Schemas['ProgramTemplate'];
export type ProgramTemplateInput = Schemas['ProgramTemplateRequest'];
export type EnrolPreview = Schemas['EnrolWithPointsPreview'];
export type LauncherStatus = Schemas['LauncherStatus'];
export type SyncProgress = Schemas['SyncProgress'];

const BASE = '/api/admin';

export const onboardingApi = {
  progress: (signal?: AbortSignal) => api.get<OnboardingProgress>(`${BASE}/onboarding`, { signal }),
  sync: (signal?: AbortSignal) => api.get<SyncProgress>(`${BASE}/sync`, { signal }),
  template: (signal?: AbortSignal) => api.get<ProgramTemplate>(`${BASE}/onboarding/template`, { signal }),
  templateApply: (body: ProgramTemplateInput) =>
    api.post<OnboardingProgress>(`${BASE}/onboarding/template`, body),
  enrolPreview: (days: string, signal?: AbortSignal) =>
    api.get<EnrolPreview>(`${BASE}/onboarding/enrol?retroactive_days=${encodeURIComponent(days)}`, {
      signal,
    }),
  enrol: (days: string) =>
    api.post<OnboardingProgress>(`${BASE}/onboarding/enrol`, { retroactive_days: days }),
  launcher: (signal?: AbortSignal) => api.get<LauncherStatus>(`${BASE}/launcher`, { signal }),
  launch: () => api.post<OnboardingProgress>(`${BASE}/onboarding/launch`),
};

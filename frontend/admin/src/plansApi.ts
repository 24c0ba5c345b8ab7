// The billing plans' calls, typed from the generated schema.
import { api } from './api';
import type { components } from './api-types';

export type Plans = components['schemas']['Plans'];
export type SubscribeResult = components['schemas']['PlanSubscribeResult'];

export const plansApi = {
  plans: (signal?: AbortSignal) => api.get<Plans>('/api/admin/plans', { signal }),
  subscribe: (plan: string) => api.post<SubscribeResult>('/api/admin/plans/subscribe', { plan }),
};

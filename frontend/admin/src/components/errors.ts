// Server-side validation: a 400's `extra.fields` becomes one message per field, shown inline
// beside the field (Polaris `error` props).
import { ApiError } from '../api';

export type FieldErrors = Record<string, string>;

export function fieldErrors(error: unknown): FieldErrors {
  if (!(error instanceof ApiError) || error.status !== 400) return {};
  const extra = error.extra as { fields?: Record<string, unknown> } | undefined;
  const out: FieldErrors = {};
  for (const [name, messages] of Object.entries(extra?.fields ?? {})) {
    out[name] = Array.isArray(messages) ? messages.map(String).join(' ') : String(messages);
  }
  return out;
}

/** The message to show in a banner for anything that is not a field error. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return error instanceof Error ? error.message : 'Something went wrong.';
}

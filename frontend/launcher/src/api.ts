// The storefront API behind the app proxy (CONTRACT-launcher.md). Every call is same-origin
// through `{proxyPath}/api/...`; Shopify signs it and adds the customer, so nothing here is
// trusted by the server.

export interface ApiErrorBody {
  message?: string;
  code?: string;
}

export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
    public retryAfter: number | null = null,
  ) {
    super(message);
  }
}

/** A fresh key per shopper intent; a retry or a second click re-sends the same one. */
export function idempotencyKey(): string {
  const c = globalThis.crypto;
  if (c && typeof c.randomUUID === 'function') return c.randomUUID();
  const bytes = new Uint8Array(16);
  if (c && c.getRandomValues) c.getRandomValues(bytes);
  else for (let i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

async function parse<T>(res: Response): Promise<T> {
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  if (!res.ok) {
    const err = (body && typeof body === 'object' ? body : {}) as ApiErrorBody;
    const retry = Number(res.headers.get('Retry-After'));
    throw new ApiError(
      res.status,
      typeof err.code === 'string' ? err.code : 'http_' + res.status,
      typeof err.message === 'string' ? err.message : '',
      Number.isFinite(retry) && retry > 0 ? retry : null,
    );
  }
  return body as T;
}

export function getJson<T>(url: string): Promise<T> {
  return fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } }).then(
    (res) => parse<T>(res),
  );
}

export function postJson<T>(url: string, body: unknown, key: string): Promise<T> {
  return fetch(url, {
    method: 'POST',
    credentials: 'same-origin',
    headers: {
      Accept: 'application/json',
      'Content-Type': 'application/json',
      'Idempotency-Key': key,
    },
    body: JSON.stringify(body),
  }).then((res) => parse<T>(res));
}

/**
 * One in-flight POST per intent: a second call with the same key while the first is pending
 * gets the first call's promise, so a double click sends one request (and the key covers
 * a retry after a lost answer).
 */
export function singleFlight<T>() {
  const inflight = new Map<string, Promise<T>>();
  return (key: string, run: () => Promise<T>): Promise<T> => {
    const existing = inflight.get(key);
    if (existing) return existing;
    const p = run().finally(() => inflight.delete(key));
    inflight.set(key, p);
    return p;
  };
}

// Tiny typed wrapper around fetch for the Django admin API.
//
// Inside the Shopify admin, App Bridge v4 patches the global `fetch` so same-origin
// requests carry the session token; nothing here needs to know about it.

/** Error body the backend sends for any non-2xx answer. */
export interface ApiErrorBody {
  message?: string;
  code?: string;
  extra?: unknown;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string | undefined;
  readonly extra: unknown;

  constructor(status: number, message: string, code?: string, extra?: unknown) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.extra = extra;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Fetch `path` and return its JSON body as `T`.
 * Throws `ApiError` for any non-2xx status (status 0 if the request never got an answer),
 * carrying the backend's `{message, code, extra}` when it sent one.
 */
export async function apiFetch<T>(path: string, init: RequestInit = {}): Promise<T> {
  const headers = new Headers(init.headers);
  headers.set('Accept', 'application/json');
  // A FormData body (a file upload) gets its multipart type and boundary from fetch itself.
  if (init.body !== undefined && !(init.body instanceof FormData) && !headers.has('Content-Type')) {
    headers.set('Content-Type', 'application/json');
  }

  let response: Response;
  try {
    response = await fetch(path, { credentials: 'same-origin', ...init, headers });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(0, err instanceof Error ? err.message : 'Network error', 'network_error');
  }

  const body = await readJson(response);
  if (!response.ok) {
    const b: ApiErrorBody = isRecord(body) ? body : {};
    const message =
      typeof b.message === 'string' && b.message
        ? b.message
        : `${response.status} ${response.statusText}`.trim();
    throw new ApiError(
      response.status,
      message,
      typeof b.code === 'string' ? b.code : undefined,
      b.extra,
    );
  }
  return body as T;
}

export const api = {
  get: <T>(path: string, init?: RequestInit) => apiFetch<T>(path, { ...init, method: 'GET' }),
  post: <T>(path: string, data?: unknown, init?: RequestInit) =>
    apiFetch<T>(path, {
      ...init,
      method: 'POST',
      body: data === undefined ? undefined : JSON.stringify(data),
    }),
  patch: <T>(path: string, data: unknown, init?: RequestInit) =>
    apiFetch<T>(path, { ...init, method: 'PATCH', body: JSON.stringify(data) }),
  put: <T>(path: string, data?: unknown, init?: RequestInit) =>
    apiFetch<T>(path, {
      ...init,
      method: 'PUT',
      body: data === undefined ? undefined : JSON.stringify(data),
    }),
  delete: <T>(path: string, init?: RequestInit) => apiFetch<T>(path, { ...init, method: 'DELETE' }),
};

/** `GET /api/admin/shop` */
export interface Shop {
  domain: string;
  name: string;
  currency: string;
  plan: string;
  installed_at: string;
}

export const getShop = (signal?: AbortSignal) => api.get<Shop>('/api/admin/shop', { signal });

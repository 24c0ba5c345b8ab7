import { describe, expect, it, vi } from 'vitest';
import { api, ApiError, apiFetch, getShop } from './api';

function jsonResponse(body: unknown, status = 200, statusText = '') {
  return new Response(JSON.stringify(body), {
    status,
    statusText,
    headers: { 'Content-Type': 'application/json' },
  });
}

describe('apiFetch', () => {
  it('returns the parsed JSON body on success', async () => {
    const shop = {
      domain: 'demo.myshopify.com',
      name: 'Demo',
      currency: 'EUR',
      plan: 'basic',
      installed_at: '2024-01-02T03:04:05Z',
    };
    const fetchMock = vi.fn(async () => jsonResponse(shop));
    vi.stubGlobal('fetch', fetchMock);

    await expect(getShop()).resolves.toEqual(shop);
    expect(fetchMock).toHaveBeenCalledTimes(1);
    const [url, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/api/admin/shop');
    expect(init.method).toBe('GET');
    expect(new Headers(init.headers).get('Accept')).toBe('application/json');
  });

  it("throws ApiError carrying status and the backend's {message, code, extra}", async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () =>
        jsonResponse(
          { message: 'Points must be positive', code: 'invalid_points', extra: { field: 'points' } },
          422,
        ),
      ),
    );

    const err = await apiFetch('/api/admin/anything').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({
      status: 422,
      message: 'Points must be positive',
      code: 'invalid_points',
      extra: { field: 'points' },
    });
  });

  it('falls back to the HTTP status when the error body is not JSON', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => new Response('<h1>Not Found</h1>', { status: 404, statusText: 'Not Found' })),
    );

    const err = await getShop().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 404, message: '404 Not Found', code: undefined });
  });

  it('turns a network failure into ApiError with status 0', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => {
        throw new TypeError('Failed to fetch');
      }),
    );

    const err = await getShop().catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'ApiError', status: 0, code: 'network_error' });
  });

  it('sends JSON bodies for POST', async () => {
    const fetchMock = vi.fn(async () => jsonResponse({ ok: true }));
    vi.stubGlobal('fetch', fetchMock);

    await api.post('/api/admin/thing', { points: 5 });
    const [, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect(init.method).toBe('POST');
    expect(init.body).toBe('{"points":5}');
    expect(new Headers(init.headers).get('Content-Type')).toBe('application/json');
  });
});

import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { App } from '../App';

// React's act() needs this flag outside a testing-library setup.
(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

let root: Root | null = null;

async function renderApp(): Promise<HTMLElement> {
  const container = document.createElement('div');
  document.body.appendChild(container);
  root = createRoot(container);
  await act(async () => {
    root!.render(<App />);
  });
  // Let the fetch promise chain settle and React re-render.
  await act(async () => {
    await new Promise((resolve) => setTimeout(resolve, 0));
  });
  return container;
}

afterEach(() => {
  act(() => root?.unmount());
  root = null;
  document.body.replaceChildren();
});

describe('Home page', () => {
  it('shows the shop from GET /api/admin/shop', async () => {
    const fetchMock = vi.fn(
      async () =>
        new Response(
          JSON.stringify({
            domain: 'demo.myshopify.com',
            name: 'Demo <Shop>',
            currency: 'EUR',
            plan: 'basic',
            installed_at: '2024-01-02T03:04:05Z',
          }),
          { status: 200, headers: { 'Content-Type': 'application/json' } },
        ),
    );
    vi.stubGlobal('fetch', fetchMock);

    const container = await renderApp();
    expect(fetchMock).toHaveBeenCalledWith('/api/admin/shop', expect.anything());
    expect(container.querySelector('h1')?.textContent).toBe('Loyalty');
    expect(container.textContent).toContain('Demo <Shop>');
    expect(container.textContent).toContain('demo.myshopify.com');
    expect(container.textContent).toContain('EUR');
  });

  it('shows a banner with the status while the backend answers 401', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => new Response('', { status: 401, statusText: 'Unauthorized' })),
    );

    const container = await renderApp();
    expect(container.textContent).toContain('Could not load shop: 401');
  });
});

// Render the admin at a path with a fake backend: `routes` answers fetch by "METHOD /path".
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { vi } from 'vitest';
import { App } from '../App';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

export interface Call {
  method: string;
  path: string;
  headers: Headers;
  body: unknown;
}
type Handler = (call: Call) => [number, unknown];

let root: Root | null = null;

export function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

export function backend(routes: Record<string, Handler | [number, unknown]>): Call[] {
  const calls: Call[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (input: string, init: RequestInit = {}) => {
      const url = new URL(input, 'http://app.test');
      const method = init.method ?? 'GET';
      const call: Call = {
        method,
        path: url.pathname + url.search,
        headers: new Headers(init.headers),
        body: init.body instanceof FormData ? init.body : init.body ? JSON.parse(String(init.body)) : undefined,
      };
      calls.push(call);
      const handler = routes[`${method} ${url.pathname}`];
      if (!handler) return json(404, { message: 'Not found', code: 'not_found', extra: {} });
      const [status, body] = typeof handler === 'function' ? handler(call) : handler;
      return json(status, body);
    }),
  );
  return calls;
}

export async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await act(async () => {
      await new Promise((resolve) => setTimeout(resolve, 0));
    });
  }
}

export async function renderAt(path: string): Promise<HTMLElement> {
  window.history.replaceState({}, '', path);
  const container = document.createElement('div');
  document.body.appendChild(container);
  root = createRoot(container);
  await act(async () => root!.render(<App />));
  await settle();
  return container;
}

export function cleanup(): void {
  act(() => root?.unmount());
  root = null;
  document.body.replaceChildren();
  window.history.replaceState({}, '', '/');
}

/** The input labelled `label` (anywhere in the document: modals render in a portal). */
export function field(label: string): HTMLInputElement {
  const labels = [...document.querySelectorAll('label')];
  const found = labels.find((l) => l.textContent?.trim() === label);
  if (!found) throw new Error(`no field labelled ${label}`);
  return document.getElementById(found.htmlFor) as HTMLInputElement;
}

export async function type(input: HTMLInputElement, value: string): Promise<void> {
  const setter = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(input), 'value')!.set!;
  await act(async () => {
    setter.call(input, value);
    input.dispatchEvent(new Event('input', { bubbles: true }));
  });
}

export async function click(text: string): Promise<void> {
  const buttons = [...document.querySelectorAll('button')];
  const button = buttons.find((b) => b.textContent?.trim() === text);
  if (!button) throw new Error(`no button ${text}: ${buttons.map((b) => b.textContent).join('|')}`);
  await act(async () => button.click());
  await settle();
}

/** The error Polaris shows for the field labelled `label` (its aria-describedby). */
export function fieldError(label: string): string {
  const input = field(label);
  const ids = (input.getAttribute('aria-describedby') ?? '').split(' ');
  return ids.map((id) => document.getElementById(id)?.textContent ?? '').join(' ').trim();
}

// A small in-app router: the App Bridge nav menu's links and in-page links push a path onto
// the iframe's history; `usePath` re-renders on it. No router dependency for five pages.
import { useEffect, useState } from 'react';

const EVENT = 'loyalty:navigate';

export function navigate(path: string): void {
  const url = new URL(path, window.location.href);
  url.search = window.location.search; // keep shop/host for App Bridge
  window.history.pushState({}, '', url);
  window.dispatchEvent(new Event(EVENT));
}

export function usePath(): string {
  const [path, setPath] = useState(window.location.pathname);
  useEffect(() => {
    const update = () => setPath(window.location.pathname);
    window.addEventListener('popstate', update);
    window.addEventListener(EVENT, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(EVENT, update);
    };
  }, []);
  return path;
}

export type Route =
  | { page: 'home' }
  | { page: 'onboarding' }
  | { page: 'import' }
  | { page: 'plans' }
  | { page: 'program' }
  | { page: 'branding' }
  | { page: 'catalog' }
  | { page: 'customers' }
  | { page: 'vip' }
  | { page: 'referrals' }
  | { page: 'customer'; id: number }
  | { page: 'not_found' };

export function route(path: string): Route {
  const trimmed = path.replace(/\/+$/, '') || '/';
  if (trimmed === '/') return { page: 'home' };
  if (trimmed === '/onboarding') return { page: 'onboarding' };
  if (trimmed === '/import') return { page: 'import' };
  if (trimmed === '/plans') return { page: 'plans' };
  if (trimmed === '/program') return { page: 'program' };
  if (trimmed === '/branding') return { page: 'branding' };
  if (trimmed === '/rules-rewards') return { page: 'catalog' };
  if (trimmed === '/customers') return { page: 'customers' };
  if (trimmed === '/vip') return { page: 'vip' };
  if (trimmed === '/referrals') return { page: 'referrals' };
  const customer = /^\/customers\/(\d+)$/.exec(trimmed);
  if (customer) return { page: 'customer', id: Number(customer[1]) };
  return { page: 'not_found' };
}

// Storefront rewards launcher. Plain DOM, no framework: this file must stay tiny.
//
// The theme app extension renders:
//   <div id="loyalty-launcher-root" data-proxy-path="/apps/rewards" data-customer-id=""
//        data-shop="example.myshopify.com" data-button-label="Rewards"></div>
// This script turns it into a fixed-position button; the first click fetches
// `{proxyPath}/api/state` through the app proxy and shows a small panel.
//
// All text from the server goes in with textContent (never innerHTML).
import { CSS } from './styles';

export const ROOT_ID = 'loyalty-launcher-root';
const STYLE_ID = 'loyalty-launcher-style';
const DEFAULT_PROXY_PATH = '/apps/rewards';
const DEFAULT_LABEL = 'Rewards';
const LOGIN_URL = '/account/login';

/** What `GET {proxyPath}/api/state` answers; only the fields the launcher reads. */
export interface LauncherState {
  program?: { name?: unknown } | null;
  member?: { balance?: unknown } | null;
}

export interface LauncherConfig {
  proxyPath: string;
  customerId: string;
  shop: string;
  buttonLabel: string;
}

export function readConfig(root: HTMLElement): LauncherConfig {
  const d = root.dataset;
  return {
    proxyPath: (d.proxyPath || DEFAULT_PROXY_PATH).replace(/\/+$/, ''),
    customerId: d.customerId || '',
    shop: d.shop || '',
    buttonLabel: (d.buttonLabel || '').trim() || DEFAULT_LABEL,
  };
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function injectStyles(): void {
  if (document.getElementById(STYLE_ID)) return;
  const style = document.createElement('style');
  style.id = STYLE_ID;
  style.textContent = CSS;
  (document.head || document.documentElement).appendChild(style);
}

function renderState(panel: HTMLElement, state: LauncherState): void {
  const name = state.program && state.program.name;
  const nodes: Node[] = [el('h2', 'lly-title', typeof name === 'string' && name ? name : DEFAULT_LABEL)];
  const member = state.member;
  if (member) {
    const balance = Number(member.balance);
    nodes.push(
      el('p', 'lly-balance', `${Number.isFinite(balance) ? balance.toLocaleString() : '0'} points`),
    );
  } else {
    const p = el('p', 'lly-msg');
    const link = el('a', '', 'Sign in');
    link.href = LOGIN_URL;
    p.append(link, ' to see your points and rewards.');
    nodes.push(p);
  }
  panel.replaceChildren(...nodes);
}

function renderMessage(panel: HTMLElement, className: string, text: string): void {
  panel.replaceChildren(el('p', className, text));
}

/** Turn `root` into the launcher. Safe to call twice on the same element. */
export function mount(root: HTMLElement): void {
  if (root.dataset.llyMounted) return;
  root.dataset.llyMounted = '1';
  injectStyles();

  const config = readConfig(root);
  const button = el('button', 'lly-btn', config.buttonLabel);
  button.type = 'button';
  button.setAttribute('aria-expanded', 'false');
  button.setAttribute('aria-controls', 'lly-panel');

  const panel = el('div', 'lly-panel');
  panel.id = 'lly-panel';
  panel.setAttribute('role', 'dialog');
  panel.setAttribute('aria-label', config.buttonLabel);
  panel.hidden = true;

  // The state is fetched once, on the first open; a failed fetch is retried on the next open.
  let loading: Promise<void> | null = null;
  const load = (): Promise<void> => {
    renderMessage(panel, 'lly-msg', 'Loading…');
    return fetch(`${config.proxyPath}/api/state`, {
      credentials: 'same-origin',
      headers: { Accept: 'application/json' },
    })
      .then((res) => {
        if (!res.ok) throw res.status;
        return res.json() as Promise<LauncherState>;
      })
      .then(
        (state) => renderState(panel, state || {}),
        (err: unknown) => {
          loading = null;
          renderMessage(
            panel,
            'lly-err',
            typeof err === 'number'
              ? `Could not load rewards (${err}).`
              : 'Could not load rewards. Please try again.',
          );
        },
      );
  };

  button.addEventListener('click', () => {
    const open = panel.hidden;
    panel.hidden = !open;
    button.setAttribute('aria-expanded', String(open));
    if (open && !loading) loading = load();
  });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && !panel.hidden) {
      panel.hidden = true;
      button.setAttribute('aria-expanded', 'false');
      button.focus();
    }
  });

  root.append(button, panel);
}

/** Mount on `#loyalty-launcher-root` if the page has one. */
export function boot(): void {
  const root = document.getElementById(ROOT_ID);
  if (root) mount(root);
}

if (typeof document !== 'undefined') {
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', boot, { once: true });
  } else {
    boot();
  }
}

// Storefront rewards launcher: the loader. Plain DOM, no framework, so it stays tiny.
//
// The theme app extension renders
//   <div id="loyalty-launcher-root" data-proxy-path="/apps/rewards" data-root-url="/"
//        data-customer-id="" data-shop="x.myshopify.com" data-locale="fr" data-button-label="…"
//        data-button-color="#1f2937" data-text-color="#ffffff" data-position="bottom-right"
//        data-icon="gift"></div>
// and this script turns it into a fixed-size button in a shadow root (themes cannot restyle
// it, it cannot restyle themes). Fixed position and size: it takes no room in the page's flow,
// so drawing it shifts nothing.
//
// Requests: none on page load, unless the page URL carries a friend's referral (`?ref=CODE`):
// that visitor came for the offer, so the panel opens on it at once. On the first sign of intent (pointer over or focus on the
// button, or the click itself) it starts the one `GET {proxy}/api/state` of the page view and
// loads panel.js (an extension asset, not a proxy call) in parallel. Most visitors never open
// the launcher, so they cost the shop's storefront and the app nothing; one who does waits
// for the slower of the two, which the intent head start mostly hides.
import { palette } from './color';
import { getJson } from './api';
import { CSS } from './styles';
import type { LauncherConfig, LauncherState, PanelContext, PanelModule } from './types';
// Named imports: only the button label of each locale file ends up in the loader.
import { button_label as deLabel } from './locales/de.json';
import { button_label as enLabel } from './locales/en.json';
import { button_label as frLabel } from './locales/fr.json';

export const ROOT_ID = 'loyalty-launcher-root';
const DEFAULT_PROXY_PATH = '/apps/rewards';
const LABELS: Record<string, string> = { en: enLabel, fr: frLabel, de: deLabel };

declare global {
  interface Window {
    LoyaltyLauncherPanel?: PanelModule;
  }
}

// Captured while this script runs: panel.js sits beside it (Shopify's CDN, devshop's assets).
const SCRIPT_SRC =
  typeof document !== 'undefined' && document.currentScript instanceof HTMLScriptElement
    ? document.currentScript.src
    : '';

function lang(tag: string): string {
  return (tag || '').toLowerCase().split(/[-_]/)[0] || '';
}

/** The referral code in the page's `?ref=`, when it looks like one (else ""). */
export function referralFromUrl(search: string): string {
  const code = new URLSearchParams(search).get('ref') || '';
  return /^[A-Za-z0-9-]{4,32}$/.test(code) ? code : '';
}

export function readConfig(root: HTMLElement): LauncherConfig {
  const d = root.dataset;
  const locale = (d.locale || document.documentElement.lang || navigator.language || 'en').trim();
  const root_url = d.rootUrl || '/';
  let panelSrc = d.panelSrc || '';
  if (!panelSrc && SCRIPT_SRC) panelSrc = new URL('panel.js', SCRIPT_SRC).href;
  return {
    proxyPath: (d.proxyPath || DEFAULT_PROXY_PATH).replace(/\/+$/, ''),
    rootUrl: root_url.endsWith('/') ? root_url : root_url + '/',
    customerId: d.customerId || '',
    shop: d.shop || '',
    locale,
    label: (d.buttonLabel || '').trim() || LABELS[lang(locale)] || enLabel,
    buttonColor: d.buttonColor || '',
    textColor: d.textColor || '',
    position: d.position === 'bottom-left' ? 'bottom-left' : 'bottom-right',
    icon: d.icon || 'gift',
    panelSrc,
  };
}

const ICONS: Record<string, string> = {
  gift: 'M20 7h-2.2A3 3 0 0 0 12 3.8 3 3 0 0 0 6.2 7H4a1 1 0 0 0-1 1v3a1 1 0 0 0 1 1v8a1 1 0 0 0 1 1h14a1 1 0 0 0 1-1v-8a1 1 0 0 0 1-1V8a1 1 0 0 0-1-1Zm-6-1.5a1.5 1.5 0 1 1 1.5 1.5H14ZM8.5 5.5A1.5 1.5 0 0 1 10 7H8.5a.75.75 0 0 1 0-1.5ZM11 19H6v-7h5Zm0-9H5V9h6Zm8 0h-6V9h6Zm-1 9h-5v-7h5Z',
  star: 'm12 2.5 2.9 6 6.6.9-4.8 4.6 1.2 6.5L12 17.4l-5.9 3.1 1.2-6.5L2.5 9.4l6.6-.9Z',
  crown: 'M3 7.5 7.5 11 12 4l4.5 7L21 7.5 19.5 18h-15ZM5 19.5h14V21H5Z',
  heart: 'M12 21s-7.5-4.6-9.6-9.3C.9 8.3 3 4.5 6.7 4.5c2.1 0 3.6 1.1 4.3 2.4h2c.7-1.3 2.2-2.4 4.3-2.4 3.7 0 5.8 3.8 4.3 7.2C19.5 16.4 12 21 12 21Z',
};

function icon(name: string): SVGSVGElement | null {
  const d = ICONS[name];
  if (!d) return null;
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  const path = document.createElementNS(ns, 'path');
  path.setAttribute('d', d);
  path.setAttribute('fill', 'currentColor');
  svg.append(path);
  return svg;
}

function loadScript(src: string): Promise<PanelModule> {
  return new Promise((resolve, reject) => {
    if (window.LoyaltyLauncherPanel) return resolve(window.LoyaltyLauncherPanel);
    const s = document.createElement('script');
    s.src = src;
    s.async = true;
    s.onload = () =>
      window.LoyaltyLauncherPanel ? resolve(window.LoyaltyLauncherPanel) : reject(new Error('panel'));
    s.onerror = () => reject(new Error('panel'));
    document.head.append(s);
  });
}

/** Turn `root` into the launcher. Safe to call twice on the same element. */
export function mount(root: HTMLElement): void {
  if (root.dataset.llyMounted) return;
  root.dataset.llyMounted = '1';
  const config = readConfig(root);
  const colors = palette(config.buttonColor, config.textColor);
  const shadow = root.shadowRoot || root.attachShadow({ mode: 'open' });

  const style = document.createElement('style');
  style.textContent = CSS;
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'lly-btn lly-' + config.position;
  button.style.setProperty('--lly-accent', colors.accent);
  button.style.setProperty('--lly-on-accent', colors.onAccent);
  button.setAttribute('aria-haspopup', 'dialog');
  button.setAttribute('aria-expanded', 'false');
  const svg = icon(config.icon);
  if (svg) button.append(svg);
  const label = document.createElement('span');
  label.textContent = config.label;
  button.append(label);
  shadow.append(style, button);

  let state: Promise<LauncherState> | null = null;
  let panel: Promise<PanelModule> | null = null;
  let open = false;
  const url = `${config.proxyPath}/api/state`;
  const reload = (): Promise<LauncherState> => {
    state = getJson<LauncherState>(url);
    // A failed fetch is retried on the next open (or the panel's "Try again").
    state.catch(() => (state = null));
    return state;
  };
  const prefetch = () => {
    if (!state) reload();
    if (!panel) {
      panel = loadScript(config.panelSrc);
      panel.catch(() => (panel = null));
    }
  };
  const onClose = () => {
    open = false;
    button.setAttribute('aria-expanded', 'false');
    button.focus();
  };

  button.addEventListener('pointerenter', prefetch, { once: true });
  button.addEventListener('focus', prefetch, { once: true });
  const referral = referralFromUrl(location.search);
  button.addEventListener('click', () => {
    prefetch();
    const p = panel!;
    if (open) {
      p.then((m) => m.close());
      return;
    }
    open = true;
    button.setAttribute('aria-expanded', 'true');
    button.setAttribute('aria-busy', 'true');
    p.then(
      (m) => {
        button.removeAttribute('aria-busy');
        const ctx: PanelContext = {
          host: shadow,
          config,
          state: state || reload(),
          reload,
          onClose,
          referral,
        };
        m.open(ctx);
      },
      () => {
        button.removeAttribute('aria-busy');
        open = false;
        button.setAttribute('aria-expanded', 'false');
      },
    );
  });
  if (referral) button.click();
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

/** @jsxImportSource preact */
// The launcher's panel, loaded by the loader (launcher.ts) on the first sign of intent.
// Preact, rendered into the loader's shadow root; every server string is a text node.
import { render } from 'preact';
import { App } from './panel/App';
import { PANEL_CSS } from './panel/styles';
import type { PanelContext, PanelModule } from './types';

let mountPoint: HTMLElement | null = null;
let current: PanelContext | null = null;

function close(): void {
  if (!current || !mountPoint) return;
  const ctx = current;
  current = null;
  render(null, mountPoint);
  ctx.onClose();
}

function open(ctx: PanelContext): void {
  current = ctx;
  // One mount point per shadow root (a page has one launcher; tests mount several).
  if (!mountPoint || mountPoint.getRootNode() !== ctx.host) {
    const style = document.createElement('style');
    style.textContent = PANEL_CSS;
    mountPoint = document.createElement('div');
    ctx.host.append(style, mountPoint);
  }
  render(<App ctx={ctx} onClose={close} />, mountPoint);
}

export const panel: PanelModule = { open, close };
window.LoyaltyLauncherPanel = panel;

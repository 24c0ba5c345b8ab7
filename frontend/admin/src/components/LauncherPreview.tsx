// The storefront launcher as the shopper will see it, drawn by the launcher's own code: its
// loader (`mount`) draws the button and its panel module (loaded on demand, Preact in its own
// chunk) renders a sample state with the unsaved branding. The panel is opened as a preview:
// it takes no focus and is not modal. A `transform` on the frame makes the launcher's fixed
// positions relative to the frame instead of the admin page.
import { useEffect, useRef } from 'react';
import { mount, readConfig } from '../../../launcher/src/launcher';
import type { LauncherState, PanelModule } from '../../../launcher/src/types';

export interface Branding {
  program_name: string;
  launcher_label: string;
  launcher_position: string;
  launcher_button_color: string;
  launcher_text_color: string;
  launcher_icon: string;
  guest_title: string;
  guest_body: string;
}

export type PreviewAs = 'member' | 'guest';

let panelModule: Promise<PanelModule> | null = null;
function loadPanel(): Promise<PanelModule> {
  panelModule ??= import('../../../launcher/src/panel').then((m) => m.panel);
  return panelModule;
}

/** A sample of what GET state answers (CONTRACT-launcher.md), with the draft's branding. */
export function sampleState(branding: Branding, as: PreviewAs, shopName: string, currency: string): LauncherState {
  const texts: Record<string, string> = {};
  if (branding.guest_title) texts.guest_title = branding.guest_title;
  if (branding.guest_body) texts.guest_body = branding.guest_body;
  return {
    shop: { domain: 'preview.myshopify.com', name: shopName, currency },
    customer: as === 'member' ? { id: '1', first_name: 'Alex' } : null,
    links: { login: '#', register: '#', cart: '#' },
    launcher: {
      label: branding.launcher_label,
      position: branding.launcher_position,
      button_color: branding.launcher_button_color,
      text_color: branding.launcher_text_color,
      icon: branding.launcher_icon,
      program_name: branding.program_name,
      texts,
    },
    sections: [
      {
        key: 'points',
        title: 'Points',
        data: {
          program: { enabled: true, opt_in: false, point_value: { points: 100, amount: '1.00' } },
          ways_to_earn: [
            { id: null, kind: 'order', title: 'Place an order', points_per_unit: '5', minimum_order: null },
            { id: 1, kind: 'birthday', title: 'Celebrate your birthday', points: 100, done: false, birthday: null },
          ],
          rewards: [
            { id: 1, kind: 'fixed_amount', title: '5 off', cost: 500, value: '5.00', variable: false, affordable: true },
            { id: 2, kind: 'fixed_amount', title: '20 off', cost: 2000, value: '20.00', variable: false, affordable: false },
          ],
          member:
            as === 'member'
              ? { state: 'active', balance: 1250, balance_value: '12.50', pending: 0, codes: [], expiring: [] }
              : null,
        },
      },
    ],
  };
}

interface Props {
  branding: Branding;
  as: PreviewAs;
  shopName: string;
  currency: string;
}

export function LauncherPreview({ branding, as, shopName, currency }: Props) {
  const frame = useRef<HTMLDivElement>(null);
  const key = JSON.stringify([branding, as, shopName, currency]);
  useEffect(() => {
    const container = frame.current;
    if (!container) return;
    let cancelled = false;
    // A fresh launcher for each change: the panel keeps the state it was opened with.
    const root = document.createElement('div');
    Object.assign(root.dataset, {
      proxyPath: '/apps/rewards',
      rootUrl: '/',
      shop: 'preview.myshopify.com',
      locale: 'en',
      buttonLabel: branding.launcher_label,
      buttonColor: branding.launcher_button_color,
      textColor: branding.launcher_text_color,
      position: branding.launcher_position,
      icon: branding.launcher_icon,
    });
    container.replaceChildren(root);
    mount(root);
    const shadow = root.shadowRoot!;
    // The frame is shorter than a storefront's window: the panel's height follows the frame;
    // and it is redrawn on each keystroke, so without its opening slide.
    const fit = document.createElement('style');
    fit.textContent = '.lly-dialog.lly-dialog{max-height:calc(100% - 104px);animation:none}'; // over the panel's rules
    shadow.append(fit);
    // The button is a picture here: clicking it would ask this page for the shop's state.
    const button = shadow.querySelector('button');
    if (button) button.inert = true;
    const state = sampleState(branding, as, shopName, currency);
    void loadPanel().then((panel) => {
      if (cancelled) return;
      panel.open({
        host: shadow,
        config: readConfig(root),
        state: Promise.resolve(state),
        reload: () => Promise.resolve(state),
        onClose: () => {},
        preview: true,
      });
    });
    return () => {
      cancelled = true;
      void loadPanel().then((panel) => panel.close());
    };
    // `key` stands for the props it is made of.
  }, [key]);

  return (
    <div
      ref={frame}
      data-testid="launcher-preview"
      aria-label="Launcher preview"
      role="region"
      style={{
        position: 'relative',
        height: 660,
        overflow: 'hidden',
        transform: 'translateZ(0)',
        borderRadius: 12,
        background: 'repeating-linear-gradient(45deg, #f4f4f5, #f4f4f5 12px, #ececee 12px, #ececee 24px)',
      }}
    />
  );
}


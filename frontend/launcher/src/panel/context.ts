import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { I18n } from '../i18n';
import type { ActionAnswer, LauncherConfig, LauncherState, PointsSection } from '../types';

export interface PanelEnv {
  i18n: I18n;
  config: LauncherConfig;
  state: LauncherState;
  points: PointsSection;
  currency: string;
  /** POST an action; the answer's section replaces the state's, the balance is announced. */
  act(path: string, body: unknown, key: string): Promise<ActionAnswer>;
  announce(text: string): void;
  /** Switch the panel to another view (home's "Refer a friend"). */
  go(view: string): void;
  /** A preview in another page: views do not move focus. */
  preview: boolean;
}

export const Env = createContext<PanelEnv | null>(null);

export function useEnv(): PanelEnv {
  return useContext(Env)!;
}

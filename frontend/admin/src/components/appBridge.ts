// The App Bridge calls the pages use, in one place (so a move to Polaris web components, or a
// host without App Bridge such as the unit tests, only changes this file). `shopify` is the
// global App Bridge's script creates; it is absent outside the admin.
interface AppBridgeGlobal {
  toast?: { show(message: string, options?: { isError?: boolean }): void };
  saveBar?: { show(id: string): Promise<void> | void; hide(id: string): Promise<void> | void };
}

function bridge(): AppBridgeGlobal | undefined {
  return (globalThis as { shopify?: AppBridgeGlobal }).shopify;
}

export function toast(message: string, isError = false): void {
  bridge()?.toast?.show(message, { isError });
}

/** Whether the admin's own save bar is there (else `SaveBar` draws an inline one). */
export function hasSaveBar(): boolean {
  return typeof bridge()?.saveBar?.show === 'function';
}

export function saveBarShow(id: string, open: boolean): void {
  const saveBar = bridge()?.saveBar;
  if (!saveBar) return;
  void (open ? saveBar.show(id) : saveBar.hide(id));
}

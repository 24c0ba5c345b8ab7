// Runs Shopify's theme check (the checks `shopify theme check` runs) on the theme app
// extension, with the theme-app-extension config, and fails on any error or warning.
// Offline on purpose: theme-check's docs updater falls back to the data it ships with.
import { resolve } from 'node:path';
import { themeCheckRun } from '@shopify/theme-check-node';

const root = resolve(process.argv[2] || '../extensions/loyalty-launcher');
const quiet = () => {};
const { offenses } = await themeCheckRun(root, undefined, quiet);
const severities = ['error', 'warning', 'info'];
for (const o of offenses) {
  const where = o.uri.replace(/^file:\/\//, '');
  const line = o.start ? `:${o.start.line + 1}` : '';
  console.log(`${severities[o.severity] || o.severity} ${o.check} ${where}${line}: ${o.message}`);
}
const blocking = offenses.filter((o) => o.severity <= 1);
console.log(`theme-check: ${offenses.length} offense(s), ${blocking.length} error(s) or warning(s) in ${root}`);
process.exit(blocking.length ? 1 : 0);

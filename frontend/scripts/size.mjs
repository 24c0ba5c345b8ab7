// Prints the gzipped size of the storefront launcher's two files and fails the build over
// budget: the loader every page loads (10 KB, Shopify's suggested limit for an app embed's
// JavaScript) and the panel loaded on first open (35 KB).
import { existsSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const budgets = {
  'dist/launcher/launcher.js': 10 * 1024,
  'dist/launcher/panel.js': 35 * 1024,
};

let failed = false;
for (const [file, budget] of Object.entries(budgets)) {
  const url = new URL('../' + file, import.meta.url);
  if (!existsSync(url)) {
    console.error(`size: ${file} not found; run the launcher build first`);
    process.exit(1);
  }
  const raw = readFileSync(url);
  const gz = gzipSync(raw, { level: 9 }).length;
  const over = gz > budget;
  failed ||= over;
  console.log(
    `${file}: ${raw.length} B raw, ${gz} B gzipped (${(gz / 1024).toFixed(2)} KiB), ` +
      `budget ${budget} B${over ? ' — OVER BUDGET' : ''}`,
  );
}
process.exit(failed ? 1 : 0);

// Prints the gzipped size of the storefront launcher and fails the build over budget.
import { readFileSync, existsSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const BUDGET = 10 * 1024; // bytes, gzipped
const files = ['dist/launcher/launcher.js', 'dist/launcher/launcher.css'];

const path = new URL('../' + files[0], import.meta.url);
if (!existsSync(path)) {
  console.error(`size: ${files[0]} not found; run the launcher build first`);
  process.exit(1);
}
let failed = false;
for (const file of files) {
  const url = new URL('../' + file, import.meta.url);
  if (!existsSync(url)) continue;
  const raw = readFileSync(url);
  const gz = gzipSync(raw, { level: 9 }).length;
  const over = file.endsWith('.js') && gz > BUDGET;
  failed ||= over;
  console.log(
    `${file}: ${raw.length} B raw, ${gz} B gzipped (${(gz / 1024).toFixed(2)} KiB)` +
      (file.endsWith('.js') ? `, budget ${BUDGET} B${over ? ' — OVER BUDGET' : ''}` : ''),
  );
}
process.exit(failed ? 1 : 0);

// Builds the storefront launcher into a single IIFE: dist/launcher/launcher.js.
// Styles are injected by the script itself, so there is no separate CSS file to load.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  root: here('.'),
  publicDir: false,
  build: {
    outDir: here('../dist/launcher'),
    emptyOutDir: true,
    target: 'es2018',
    sourcemap: true,
    lib: {
      entry: here('src/launcher.ts'),
      formats: ['iife'],
      name: 'LoyaltyLauncher',
      fileName: () => 'launcher.js',
    },
  },
});

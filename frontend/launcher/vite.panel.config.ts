// Builds the launcher's panel (Preact) into one IIFE: dist/launcher/panel.js, loaded by
// launcher.js from beside itself on the first sign of intent. Styles are injected by the script.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  root: here('.'),
  publicDir: false,
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: here('../dist/launcher'),
    emptyOutDir: false,
    target: 'es2018',
    sourcemap: true,
    lib: {
      entry: here('src/panel.tsx'),
      formats: ['iife'],
      name: 'LoyaltyLauncherPanelModule',
      fileName: () => 'panel.js',
    },
  },
});

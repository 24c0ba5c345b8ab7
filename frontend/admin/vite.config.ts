// Builds the embedded admin into dist/admin/admin.js + admin.css (ES module, no hashes:
// Django's ManifestStaticFilesStorage adds them). App Bridge itself is NOT bundled: the
// Django template loads it from Shopify's CDN and @shopify/app-bridge-react wraps the
// global `shopify` object it creates.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  root: here('.'),
  base: './',
  publicDir: false,
  plugins: [react()],
  build: {
    outDir: here('../dist/admin'),
    emptyOutDir: true,
    target: 'es2020',
    sourcemap: true,
    modulePreload: false,
    cssCodeSplit: false,
    rolldownOptions: {
      input: here('src/main.tsx'),
      output: {
        format: 'es',
        entryFileNames: 'admin.js',
        chunkFileNames: 'admin-[name].js',
        assetFileNames: (asset) =>
          asset.names.some((n) => n.endsWith('.css')) ? 'admin.css' : 'admin-[name][extname]',
      },
    },
  },
});

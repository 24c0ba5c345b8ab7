import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [react()],
  test: {
    environment: 'happy-dom',
    include: ['admin/src/**/*.test.{ts,tsx}', 'launcher/src/**/*.test.{ts,tsx}'],
    restoreMocks: true,
    unstubGlobals: true,
    // A loaded 2-core machine imports the launcher's lazy panel slowly; 5 s (the default) flakes.
    testTimeout: 30_000,
  },
});

import { defineConfig } from 'vite';

// The console is static files the service serves (src/api/console.ts). No inline scripts (the CSP forbids them):
// the module preload polyfill is off and assets are never inlined as data: scripts.
export default defineConfig({
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: true,
    chunkSizeWarningLimit: 1200,
  },
  server: {
    // `npx vite web` for console work against a running service on :8080.
    proxy: { '/api': { target: 'http://127.0.0.1:8080', ws: true }, '/healthz': 'http://127.0.0.1:8080' },
  },
});

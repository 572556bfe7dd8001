// Vite configuration for kefu's web UI. `npm run build` writes web/dist, which `kefu serve`
// serves (server.web_root). `npm run dev` proxies the API and its WebSocket to a local kefu.
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';

const apiTarget = process.env.KEFU_DEV_API ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [vue()],
  define: {
    // vue-i18n: Composition API only, and messages compiled without eval()/new Function so
    // the UI works under a strict Content-Security-Policy (script-src 'self').
    __VUE_I18N_FULL_INSTALL__: true,
    __VUE_I18N_LEGACY_API__: false,
    __INTLIFY_JIT_COMPILATION__: true,
    __INTLIFY_DROP_MESSAGE_COMPILER__: false,
    __INTLIFY_PROD_DEVTOOLS__: false,
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2020',
    // Everything is bundled: no CDN, no web fonts (the bank's intranet has no internet).
    assetsInlineLimit: 4096,
    chunkSizeWarningLimit: 600,
  },
  server: {
    host: '127.0.0.1',
    port: 5173,
    strictPort: true,
    proxy: {
      '/api': { target: apiTarget, ws: true, changeOrigin: false },
      '/healthz': { target: apiTarget },
    },
  },
});

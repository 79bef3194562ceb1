// Vite builds the dashboard into dist/ (served by nginx with the proxies
// of infra/nginx/stonks.conf.template). `npm run dev` serves it with the
// same three proxies, aimed at the local services of `stonks up`: set
// QUERY_API_URL, REGISTRY_URL and RISK_ENGINE_URL to move them.
import { defineConfig } from 'vite';

const target = (name: string, fallback: string): string =>
  process.env[name] || fallback;

const strip = (prefix: string) => (path: string) =>
  path.slice(prefix.length - 1);

export default defineConfig({
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 400,
  },
  server: {
    host: '127.0.0.1',
    proxy: {
      '/api/': {
        target: target('QUERY_API_URL', 'http://127.0.0.1:8001'),
        rewrite: strip('/api/'),
      },
      '/registry/': {
        target: target('REGISTRY_URL', 'http://127.0.0.1:8002'),
        rewrite: strip('/registry/'),
      },
      '/risk/': {
        target: target('RISK_ENGINE_URL', 'http://127.0.0.1:8004'),
        rewrite: strip('/risk/'),
      },
    },
  },
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
  },
});

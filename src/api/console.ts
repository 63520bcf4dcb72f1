/**
 * Serves the web console (web/, built by Vite into config.console.dir) at `/`, on the same origin as the API. The
 * console is static: everything it shows comes from the public API and the ACD WebSocket with the user's token.
 *
 * Caching: Vite names every asset after its content hash, so /assets/* are cached for a year; index.html is never
 * cached, so a new build is picked up at the next page load. Other paths that a browser navigates to (Accept
 * prefers text/html) get index.html too: the console's routes live in the URL hash, but a bookmarked path must not
 * 404. API clients asking for anything else get the API's 404 problem.
 */
import fs from 'node:fs';
import path from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from '../log/logger';

/**
 * No inline script or style anywhere, no eval, nothing from another origin. 'self' in connect-src covers the
 * same-origin WebSocket (CSP 3); blob: lets the recordings page play a file fetched with the token.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const API_PREFIXES = ['/api/', '/healthz', '/metrics'];

export function consoleRouter(dir: string, logger: Logger): express.Router {
  const router = express.Router();
  const index = path.join(dir, 'index.html');
  let warned = false;

  // API paths and anything but GET/HEAD leave the console router at once (next('router')): the API answers them.
  router.use((req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next('router');
    if (API_PREFIXES.some((p) => req.path === p.replace(/\/$/, '') || req.path.startsWith(p))) return next('router');
    res.setHeader('Content-Security-Policy', CONSOLE_CSP);
    next();
  });

  router.use(
    '/assets',
    express.static(path.join(dir, 'assets'), {
      index: false,
      fallthrough: false,
      // The API's security headers said no-store, and serve-static never overrides a Cache-Control already set.
      setHeaders: (res) => res.setHeader('Cache-Control', 'public, max-age=31536000, immutable'),
    }),
  );

  router.use(
    express.static(dir, {
      index: false,
      // Files at the top (favicon, icons) are not hashed: revalidate.
      setHeaders: (res) => res.setHeader('Cache-Control', 'no-cache'),
    }),
  );

  router.use((req: Request, res: Response, next: NextFunction) => {
    // A browser's navigation prefers HTML; API clients (curl's */*, fetch's default) get the API's 404 problem.
    if (req.path !== '/' && req.accepts(['json', 'html']) !== 'html') return next();
    if (!fs.existsSync(index)) {
      if (!warned) logger.warn('the web console is not built; run npm run build:console', { dir });
      warned = true;
      res.status(503).type('text/plain').setHeader('Cache-Control', 'no-store');
      return void res.send(`The web console is not built in ${dir}.\nRun: npm run build:console\n`);
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index);
  });
  return router;
}

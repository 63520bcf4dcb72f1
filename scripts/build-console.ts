/**
 * `npm run build:console [-- --force] [--if-sources]`: builds the web console (web/) with Vite into web/dist, which the service
 * serves at `/`. Skipped when web/dist was built from the same sources (a content hash in web/dist/.build-stamp),
 * so `npm install` (prepare), `npm run demo`, `npm start` and the browser tests can all call it cheaply.
 */
import fs from 'node:fs';
import { buildConsole } from '../src/api/console-build';
import { shippedPath } from '../src/config/package-root';

// --if-sources: `npm ci` in a Docker layer that has only package.json runs prepare before web/ is copied in.
if (process.argv.includes('--if-sources') && !fs.existsSync(shippedPath('web', 'index.html'))) process.exit(0);

buildConsole({ force: process.argv.includes('--force') })
  .then((r) => process.stderr.write(r.built ? `web console built into ${r.outDir} (${r.ms} ms)\n` : `web console is up to date in ${r.outDir}\n`))
  .catch((err: unknown) => {
    process.stderr.write(`could not build the web console: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });

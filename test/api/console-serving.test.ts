/** How the service serves the web console: CSP, caching, the index for console paths, API paths untouched. */
import fs from 'node:fs';
import path from 'node:path';
import { CONSOLE_CSP } from '../../src/api/console';
import { startTestApi, tempDir, type TestApi } from './helpers';

describe('web console serving', () => {
  let api: TestApi;
  const dir = tempDir('sb-console-');

  beforeAll(async () => {
    fs.mkdirSync(path.join(dir, 'assets'));
    fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>Switchboard</title><script type="module" src="/assets/app-abc123.js"></script>');
    fs.writeFileSync(path.join(dir, 'assets', 'app-abc123.js'), 'console.log(1)');
    fs.writeFileSync(path.join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    api = await startTestApi({ env: { CONSOLE_DIR: dir }, noSeed: true });
  });
  afterAll(async () => {
    await api.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('/ is index.html, never cached, with a CSP that allows no inline script and no other origin', async () => {
    const res = await api.fetch('/', { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<title>Switchboard</title>');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toBe(CONSOLE_CSP);
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-frame-options')).toBe('DENY');
  });

  test('hashed assets are cached for a year as immutable; a missing asset is a 404, not the index', async () => {
    const res = await api.fetch('/assets/app-abc123.js');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(res.headers.get('content-type')).toMatch(/javascript/);
    expect((await api.fetch('/assets/gone-000.js')).status).toBe(404);
  });

  test('other console paths get the index; files at the top revalidate', async () => {
    const deep = await api.fetch('/agent/desk', { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    expect(deep.status).toBe(200);
    expect(await deep.text()).toContain('Switchboard');
    // curl and fetch (Accept */*) get the API's 404 for paths that are neither files nor routes.
    const curl = await api.fetch('/agent/desk');
    expect(curl.status).toBe(404);
    expect(curl.headers.get('content-type')).toMatch(/problem\+json/);
    const icon = await api.fetch('/favicon.svg');
    expect(icon.status).toBe(200);
    expect(icon.headers.get('cache-control')).toBe('no-cache');
  });

  test('API paths keep their JSON problems and their own CSP', async () => {
    const res = await api.fetch('/api/v1/nope', { headers: { accept: 'text/html' } });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/problem\+json/);
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
    expect((await api.fetch('/api/v1/cdrs')).status).toBe(401);
    // A path traversal never leaves the console folder.
    const traversal = await api.fetch('/assets/..%2f..%2fpackage.json');
    expect([403, 404]).toContain(traversal.status);
    expect(await traversal.text()).not.toContain('"name"');
  });

  test('without a build, / says how to build the console', async () => {
    const empty = await startTestApi({ env: { CONSOLE_DIR: tempDir('sb-console-empty-') }, noSeed: true });
    try {
      const res = await empty.fetch('/', { headers: { accept: 'text/html' } });
      expect(res.status).toBe(503);
      expect(await res.text()).toContain('npm run build:console');
    } finally {
      await empty.close();
    }
  });
});

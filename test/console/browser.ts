/**
 * Browser tests: playwright-core driving Debian's Chromium (never a downloaded browser), against the service and the
 * simulator (test/acd-runtime/harness.ts). Screenshots go to test-output/screenshots/ (not committed) for a person
 * to look at; `npm run screenshots` copies the main ones to docs/.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Browser, BrowserContext, Download, Page } from 'playwright-core';
import { CHROMIUM_PATH, launchChromium, signInConsole } from '../../scripts/console-browser';
import { buildConsole } from '../../src/api/console-build';

export { CHROMIUM_PATH };
export const SCREENSHOT_DIR = path.resolve(__dirname, '../../test-output/screenshots');

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

/** Builds the console when its sources changed, then starts Chromium headless. */
export async function launchBrowser(): Promise<Browser> {
  await buildConsole();
  if (!fs.existsSync(CHROMIUM_PATH)) throw new Error(`no Chromium at ${CHROMIUM_PATH}: apt-get install chromium (or set CHROMIUM_PATH)`);
  return launchChromium();
}

export interface ConsolePage {
  page: Page;
  context: BrowserContext;
  /** Uncaught errors, console errors and CSP violations seen by the page (a test ends by expecting none). */
  problems: string[];
  /** Alerts or dialogs opened by a script (a hostile string that ran would open one). */
  dialogs: string[];
}

export async function openConsole(browser: Browser, baseUrl: string, viewport = DESKTOP): Promise<ConsolePage> {
  const context = await browser.newContext({ viewport, baseURL: baseUrl });
  const page = await context.newPage();
  const problems: string[] = [];
  const dialogs: string[] = [];
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  // A renderer that dies under load leaves a page with nothing on it: say so rather than time out on a locator.
  page.on('crash', () => problems.push('crash: the page crashed'));
  page.on('console', (msg) => {
    // A 4xx the console handles (a 409 shown as a problem) logs "Failed to load resource"; that is not a defect.
    if (msg.type() === 'error' && !/Failed to load resource/.test(msg.text())) problems.push(`console: ${msg.text()}`);
  });
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await page.goto('/');
  return { page, context, problems, dialogs };
}

export const signIn = signInConsole;

/** The text of a file the page downloaded (a CSV export), read from playwright's stream. */
export async function downloadedText(download: Download): Promise<string> {
  const stream = await download.createReadStream();
  let out = '';
  for await (const chunk of stream) out += (chunk as Buffer).toString('utf8');
  return out;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: false });
  return file;
}

/**
 * A TCP proxy in front of the service, to cut the browser's network: `down()` drops every connection (the live
 * WebSocket with them) and refuses new ones until `up()`.
 */
/** What the cuttable proxy saw, for a test's failure message: connections refused while down, let through after. */
export interface ProxyStats {
  refused: number;
  passed: number;
  upstreamErrors: string[];
}

export async function startCuttableProxy(
  targetUrl: string,
): Promise<{ url: string; down: () => void; up: () => void; close: () => Promise<void>; stats: ProxyStats }> {
  const target = new URL(targetUrl);
  const sockets = new Set<net.Socket>();
  const stats: ProxyStats = { refused: 0, passed: 0, upstreamErrors: [] };
  let isDown = false;
  const server = net.createServer((client) => {
    if (isDown) {
      stats.refused++;
      return void client.destroy();
    }
    stats.passed++;
    const upstream = net.connect(Number(target.port), target.hostname);
    upstream.on('error', (err) => stats.upstreamErrors.push(err.message));
    sockets.add(client).add(upstream);
    const forget = () => {
      sockets.delete(client);
      sockets.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', forget).on('close', forget);
    upstream.on('error', forget).on('close', forget);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    down: () => {
      isDown = true;
      for (const s of sockets) s.destroy();
    },
    up: () => {
      isDown = false;
      stats.passed = 0;
    },
    stats,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

/**
 * `npm run docs:screenshots`: the README's pictures of the console, taken from a running demo (real traffic, the
 * demo's 12 agents and 3 queues) in Debian's Chromium: the agent desktop on a call (1280x800 and a 390 px phone),
 * the supervisor wallboard and the admin's IVR flow editor. Writes docs/screenshots/*.png, to be committed when the
 * console's look changes.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, signInConsole } from './console-browser';

const ROOT = path.resolve(__dirname, '..');
const OUT = path.join(ROOT, 'docs', 'screenshots');
const PORT = Number(process.env.DOCS_PORT ?? 18181);

async function startDemo(): Promise<{ logins: Record<string, string>; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts', '--port', String(PORT), '--data-dir', 'data/docs-demo'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let err = '';
  const logins = await new Promise<Record<string, string>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the demo did not start:\n${err.slice(-2000)}`)), 120_000);
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const found: Record<string, string> = {};
      for (const m of err.matchAll(/^\s+(?:Logins:\s+)?(admin|supervisor|agent) \/ (\S+)/gm)) found[m[1]!] = m[2]!;
      if (found.admin && found.supervisor && found.agent) {
        clearTimeout(timer);
        resolve(found);
      }
    });
    child.once('exit', (code) => reject(new Error(`the demo exited (${code}):\n${err.slice(-2000)}`)));
  });
  return {
    logins,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        process.kill(-child.pid!, 'SIGINT');
        setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 60_000).unref();
      }),
  };
}

async function signIn(browser: Browser, user: string, password: string, viewport = { width: 1280, height: 800 }): Promise<Page> {
  const page = await (await browser.newContext({ viewport, baseURL: `http://127.0.0.1:${PORT}` })).newPage();
  await page.goto('/');
  await signInConsole(page, user, password);
  return page;
}

async function main(): Promise<void> {
  fs.mkdirSync(OUT, { recursive: true });
  const demo = await startDemo();
  const browser = await launchChromium();
  try {
    const shot = async (page: Page, name: string) => {
      await page.screenshot({ path: path.join(OUT, `${name}.png`) });
      process.stderr.write(`docs/screenshots/${name}.png\n`);
    };
    // Agent: log in to the ACD, go ready, wait for a call to be answered (the demo phone answers after 4 s).
    const agent = await signIn(browser, 'agent', demo.logins.agent!);
    await agent.getByRole('button', { name: /Log in to the ACD/ }).click();
    await agent.getByRole('button', { name: /^Ready/ }).click();
    await agent.getByRole('button', { name: /^Hang up/ }).waitFor({ timeout: 90_000 });
    await agent.waitForTimeout(1500);
    await shot(agent, 'agent-desktop');
    const phone = await signIn(browser, 'agent', demo.logins.agent!, { width: 390, height: 844 });
    await phone.getByRole('button', { name: /^Hang up/ }).waitFor({ timeout: 90_000 }).catch(() => undefined);
    await shot(phone, 'agent-desktop-phone');

    const sup = await signIn(browser, 'supervisor', demo.logins.supervisor!);
    await sup.getByRole('heading', { name: 'Wallboard' }).waitFor();
    await sup.waitForTimeout(3000);
    await shot(sup, 'supervisor-wallboard');

    const admin = await signIn(browser, 'admin', demo.logins.admin!);
    await admin.goto('/#/admin/flows/main-menu');
    await admin.getByRole('heading', { name: /Graph/ }).waitFor();
    await admin.waitForTimeout(1000);
    await shot(admin, 'admin-flows');
  } finally {
    await browser.close();
    await demo.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});

/** The console shell in Chromium: login per role, the live badge, a 401 back to the login, the CSP holding. */
import type { Browser } from 'playwright-core';
import { engines } from '../helpers/databases';
import { launchBrowser, openConsole, signIn } from './browser';
import { ADMIN_PASSWORD, ConsoleHarness, USER_PASSWORD } from './harness';

const h = new ConsoleHarness(engines.sqlite);
let browser: Browser;

beforeAll(async () => {
  [browser] = await Promise.all([launchBrowser(), h.start()]);
  await h.user('sup1', 'supervisor', 'Sue Pervisor');
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await h.stop();
});

test('a wrong password shows the API message and keeps the user on the login', async () => {
  const { page, context, problems } = await openConsole(browser, h.url);
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill('wrong');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: 'invalid username or password' }).waitFor();
  expect(problems).toEqual([]);
  await context.close();
});

test('admin and supervisor sign in, see their pages and the live badge; signing out forgets the token', async () => {
  const { page, context, problems } = await openConsole(browser, h.url);
  await signIn(page, 'admin', ADMIN_PASSWORD);
  await page.getByRole('navigation', { name: 'Main' }).waitFor({ state: 'attached' });
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByLabel('Username').waitFor();
  // The token was only in memory: a reload starts at the login, and nothing is in web storage.
  expect(await page.evaluate('JSON.stringify({ l: { ...localStorage }, s: { ...sessionStorage } })')).toBe('{"l":{},"s":{}}');
  await signIn(page, 'sup1', USER_PASSWORD);
  await expect(page.locator('.who').textContent()).resolves.toContain('supervisor');
  expect(problems).toEqual([]);
  await context.close();
});

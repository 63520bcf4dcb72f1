/**
 * Debian's Chromium driven by playwright-core (never a downloaded browser), and signing in to the console: shared by
 * the browser tests (test/console/browser.ts), the console bench and the README screenshots.
 */
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Headless, with the flags this machine's closed network needs (no background connections, no sandbox as root). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
}

/** Signs in on the login page the page shows, and waits for the shell and the live feed. */
export async function signInConsole(page: Page, username: string, password: string): Promise<void> {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  await page.getByTestId('live-status').filter({ hasText: 'live' }).waitFor();
}

/**
 * The admin pages in Chromium, end to end against the service and the simulator: users and API keys (the key shown
 * once), SIP accounts (the password shown once), queues and agents with skills (field errors at the field), a
 * campaign with a lead CSV whose bad rows are listed as text (a hostile name never runs), the ledger by phone,
 * reports (table, chart, CSV download), the audit log of all of it, and the FreeSWITCH nodes page.
 */
import fs from 'node:fs';
import type { Browser } from 'playwright-core';
import { LedgerSchema } from '../../src/db/entities/dialer';
import { engines } from '../helpers/databases';
import { waitFor } from '../acd-runtime/harness';
import { launchBrowser, openConsole, screenshot, signIn, type ConsolePage } from './browser';
import { ADMIN_PASSWORD, ConsoleHarness, USER_PASSWORD } from './harness';

const h = new ConsoleHarness(engines.sqlite);
let browser: Browser;
let cp: ConsolePage;
const HOSTILE = '<img src=x onerror=alert(1)>';

const go = async (route: string, heading: string) => {
  await cp.page.evaluate(`location.hash = ${JSON.stringify(route)}`);
  await cp.page.getByRole('heading', { level: 1, name: heading }).waitFor();
};
const label = (text: string) => cp.page.getByLabel(text, { exact: true });

beforeAll(async () => {
  [browser] = await Promise.all([launchBrowser(), h.start()]);
  // Report data: one queue call answered by an agent who hangs up soon after.
  await h.queue('support');
  await h.agent('1101', ['support'], { answerDelayMs: 100, hangupAfterMs: 300 });
  h.call('support', '+14155550199');
  await waitFor('the answered call in the report', async () => {
    await h.service.acdHistory.flush().catch(() => undefined);
    const now = Date.now();
    const res = await h.api(`/api/v1/acd/reports/queues?from=${new Date(now - 86_400_000).toISOString()}&to=${new Date(now + 86_400_000).toISOString()}`);
    const body = (await res.json()) as { items: Array<{ answered: number }> };
    return body.items.some((r) => r.answered >= 1) || undefined;
  });
  cp = await openConsole(browser, h.url);
  await cp.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: h.url });
  await signIn(cp.page, 'admin', ADMIN_PASSWORD);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await h.stop();
});

afterEach(() => {
  expect(cp.problems).toEqual([]);
  expect(cp.dialogs).toEqual([]);
});

test('users: a field error at the field, create, reset password, disable; an API key shown once, then revoked', async () => {
  const { page } = cp;
  await go('/admin/users', 'Users and API keys');
  const form = page.getByRole('form', { name: 'New user' });
  await label('Username').fill('newagent');
  await label('Display name').fill('Nora Newagent');
  await form.getByLabel('Role', { exact: true }).selectOption('agent');
  await label('Initial password').fill('short');
  await page.getByRole('button', { name: 'Create user' }).click();
  // The API's message for the password, shown at the password field.
  await form.locator('.field.invalid', { has: page.getByLabel('Initial password') }).getByText('must be at least 12 characters').waitFor();
  await label('Initial password').fill('a-good-long-password');
  await page.getByRole('button', { name: 'Create user' }).click();
  await page.getByText('Created newagent (agent).').waitFor();
  const row = page.getByRole('row', { name: /newagent/ });
  await row.getByText('Nora Newagent').waitFor();

  await page.getByRole('button', { name: 'Reset password of newagent' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('New password').fill('another-long-password');
  await dialog.getByRole('button', { name: 'Set password' }).click();
  await page.getByText('newagent: password reset; their sessions ended.').waitFor();
  const login = await fetch(`${h.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'newagent', password: 'another-long-password' }) });
  expect(login.status).toBe(200);

  await page.getByRole('button', { name: 'Disable newagent' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Disable' }).click();
  await row.getByText('disabled', { exact: true }).waitFor();
  await page.getByRole('button', { name: 'Enable newagent' }).click();
  await row.getByText('enabled', { exact: true }).waitFor();

  // A refused action shows the API's reason.
  await page.getByRole('button', { name: 'Disable admin' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Disable' }).click();
  await page.getByRole('alert').getByText('this is the last enabled admin; create or enable another admin first').waitFor();
  await page.getByRole('button', { name: 'Dismiss the message' }).click();

  await label('Key name').fill('prometheus');
  await label('Key role').selectOption('supervisor');
  await page.getByRole('button', { name: 'Create key' }).click();
  const secret = page.getByRole('textbox', { name: 'API key prometheus' });
  const key = await secret.inputValue();
  expect(key.length).toBeGreaterThan(20);
  const withKey = await fetch(`${h.url}/api/v1/acd/queues`, { headers: { 'x-api-key': key } });
  expect(withKey.status).toBe(200);
  await screenshot(page, 'admin-users');
  await page.getByRole('button', { name: 'Done' }).click();
  // Shown once: gone from the page, and the list shows only its prefix.
  await secret.waitFor({ state: 'detached' });
  expect(await page.content()).not.toContain(key);
  await page.getByRole('row', { name: /prometheus/ }).getByText(`${key.slice(0, 8)}…`).waitFor();

  await page.getByRole('button', { name: 'Revoke prometheus' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
  await page.getByRole('row', { name: /prometheus/ }).getByText('revoked').waitFor();
  expect((await fetch(`${h.url}/api/v1/acd/queues`, { headers: { 'x-api-key': key } })).status).toBe(401);
});

test('SIP accounts: the password is shown once with a copy button; reset gives a new one', async () => {
  const { page } = cp;
  await go('/admin/sip-accounts', 'SIP accounts');
  await label('Extension').fill('2001');
  await label('Domain').fill('pbx.test');
  await label('Caller id name').fill('Nora');
  await label('User').selectOption({ label: 'newagent' });
  await page.getByRole('button', { name: 'Create SIP account' }).click();
  const secret = page.getByRole('textbox', { name: 'SIP password of 2001@pbx.test' });
  const password = await secret.inputValue();
  expect(password).toHaveLength(24);
  await page.getByRole('button', { name: 'Copy' }).click();
  await page.getByText(/Copied\.|Copying was refused/).waitFor();
  await page.getByRole('row', { name: /2001/ }).getByText('newagent').waitFor();
  await page.getByRole('button', { name: 'Done' }).click();
  expect(await page.content()).not.toContain(password);

  await page.getByRole('button', { name: 'Reset SIP password of 2001' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Generate password' }).click();
  const next = await page.getByRole('textbox', { name: 'SIP password of 2001@pbx.test' }).inputValue();
  expect(next).toHaveLength(24);
  expect(next).not.toBe(password);
  await page.getByRole('button', { name: 'Done' }).click();
});

test('queues: the API rejects a value at its field; the queue is created with its strategy and service level', async () => {
  const { page } = cp;
  await go('/admin/queues', 'Queues');
  await page.getByRole('row', { name: /support/ }).waitFor();
  const form = page.getByRole('form', { name: 'New queue' });
  await form.getByLabel('Queue name').fill('sales');
  await form.getByLabel('Strategy').selectOption('best_skill');
  await form.getByLabel('Required skills').fill('spanish');
  await form.getByLabel('Dispositions').fill('sale, no sale');
  await form.getByLabel('Service level (s)').fill('30');
  await form.getByLabel('Wrap-up (s)').fill('99999');
  await form.getByLabel('Overflow (after max wait)').selectOption('queue');
  await form.getByLabel('Max wait (s)').fill('120');
  await page.getByRole('button', { name: 'Create queue' }).click();
  await form.locator('.field.invalid', { has: page.getByLabel('Wrap-up (s)') }).getByText('must be at most 3600').waitFor();
  await form.getByLabel('Wrap-up (s)').fill('15');
  await page.getByRole('button', { name: 'Create queue' }).click();
  await page.getByText('Saved queue sales.').waitFor();
  const row = page.getByRole('row', { name: /^sales/ });
  await row.getByText('best_skill').waitFor();
  await row.getByRole('cell', { name: '30', exact: true }).waitFor();
  const stored = (await (await h.api('/api/v1/acd/queues/sales')).json()) as { config: Record<string, unknown> };
  expect(stored.config).toMatchObject({ strategy: 'best_skill', requiredSkills: ['spanish'], dispositions: ['sale', 'no sale'], serviceLevelSec: 30, wrapUpSec: 15, maxWaitSec: 120, overflow: { kind: 'queue', queue: 'support' } });
  await screenshot(page, 'admin-queues');

  // Editing: the form holds the stored document; a change is a PATCH the table shows.
  await page.getByRole('button', { name: 'Edit queue support' }).click();
  const edit = page.getByRole('form', { name: 'Queue support' });
  expect(await edit.getByLabel('Queue name').isDisabled()).toBe(true);
  await edit.getByLabel('Strategy').selectOption('round_robin');
  await edit.getByRole('button', { name: 'Add step' }).click();
  await edit.getByLabel('Step 1: after (s)').fill('60');
  await edit.getByLabel('Step 1: min proficiency').fill('');
  await edit.getByRole('button', { name: 'Save queue' }).click();
  await page.getByText('Saved queue support.').waitFor();
  await page.getByRole('row', { name: /^support/ }).getByText('round_robin').waitFor();
  const support = (await (await h.api('/api/v1/acd/queues/support')).json()) as { config: Record<string, unknown> };
  expect(support.config).toMatchObject({ strategy: 'round_robin', relaxation: [{ afterSec: 60, minProficiency: null }], wrapUpSec: 1 });
});

test('agents: a user becomes an agent with a skill, a team and a queue tier', async () => {
  const { page } = cp;
  await go('/admin/agents', 'Agents');
  const form = page.getByRole('form', { name: 'New agent' });
  await form.getByLabel('User', { exact: true }).selectOption({ label: 'newagent (Nora Newagent)' });
  await form.getByLabel('Agent extension').fill('2001');
  await form.getByLabel('Teams').fill('red');
  await form.getByRole('button', { name: 'Add skill' }).click();
  await form.getByLabel('Skill 1', { exact: true }).fill('spanish');
  await form.getByLabel('Proficiency 1').fill('11');
  await form.getByRole('button', { name: 'Add queue' }).click();
  await form.getByLabel('Queue 1', { exact: true }).selectOption('sales');
  await form.getByLabel('Tier 1').fill('2');
  await page.getByRole('button', { name: 'Create agent' }).click();
  await form.locator('.field.invalid', { has: page.getByLabel('Skill 1', { exact: true }) }).getByText('must be at most 10').waitFor();
  await form.getByLabel('Proficiency 1').fill('8');
  await page.getByRole('button', { name: 'Create agent' }).click();
  await page.getByText(/Saved agent Nora Newagent \(2001\)/).waitFor();
  const row = page.getByRole('row', { name: /Nora Newagent/ });
  await row.getByText('spanish 8').waitFor();
  await row.getByText('sales (2)').waitFor();
  await row.getByText('red', { exact: true }).waitFor();
  // The form now edits the stored agent: the name defaulted to the user's display name.
  await expect(page.getByRole('form', { name: 'Agent Nora Newagent' }).getByLabel('Agent name').inputValue()).resolves.toBe('Nora Newagent');
  await screenshot(page, 'admin-agents');
});

let campaignId = 0;

test('campaigns: create with a schedule and retries, upload a CSV with bad rows shown as text, search the ledger', async () => {
  const { page } = cp;
  await go('/admin/campaigns', 'Campaigns');
  await page.getByRole('button', { name: 'New campaign' }).click();
  const form = page.getByRole('form', { name: 'New campaign' });
  await form.getByLabel('Campaign name').fill('spring');
  await form.getByLabel('Mode').selectOption('progressive');
  await form.getByLabel('Queue', { exact: true }).selectOption('sales');
  await form.getByLabel('Time zone').fill('America/New_York');
  await form.getByLabel('Calling window from').fill('10:00');
  await form.getByLabel('Calling window to').fill('19:30');
  await form.getByLabel('Retry busy delay').fill('5');
  await form.getByLabel('Retry busy max attempts').fill('3');
  await form.getByLabel('Start (cron)').fill('0 9 * * 1-5');
  await form.getByLabel('Stop (cron)').fill('every evening');
  await page.getByRole('button', { name: 'Create campaign' }).click();
  await form.locator('.field.invalid', { has: page.getByLabel('Stop (cron)') }).getByText(/must be a cron expression/).waitFor();
  await form.getByLabel('Stop (cron)').fill('0 17 * * 1-5');
  await page.getByRole('button', { name: 'Create campaign' }).click();
  await page.getByRole('heading', { level: 1, name: 'Campaign spring' }).waitFor();
  campaignId = Number(/#\/admin\/campaigns\/(\d+)/.exec(page.url())![1]);
  const stored = (await (await h.api(`/api/v1/dialer/campaigns/${campaignId}`)).json()) as { window_start: string; timezone: string; settings: Record<string, unknown> };
  expect(stored).toMatchObject({ window_start: '10:00', timezone: 'America/New_York' });
  expect(stored.settings).toMatchObject({ retry: { busy: { delay_min: 5, max_attempts: 3 } }, schedule: { start: '0 9 * * 1-5', stop: '0 17 * * 1-5' } });

  const csv = ['phone,name,plan', '+14155550101,Alice,gold', 'not-a-phone,Bob,silver', `+14155550102,${HOSTILE},bronze`, `+14155550103,${HOSTILE},x,extra`, ''].join('\n');
  await page.getByLabel('Lead CSV file').setInputFiles({ name: 'leads.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.getByRole('button', { name: 'Upload' }).click();
  const result = page.getByTestId('import-result');
  await result.getByText('4 rows: 2 imported, 0 merged, 2 rejected').waitFor();
  const rejected = result.getByRole('table');
  await rejected.getByRole('row', { name: /not-a-phone/ }).waitFor();
  const hostileRow = rejected.getByRole('row', { name: /expected 3 columns, got 4/ });
  await hostileRow.waitFor();
  // The hostile name is text in the table, not an element.
  expect(await hostileRow.locator('code').textContent()).toBe(`+14155550103,${HOSTILE},x,extra`);
  await page.getByRole('region', { name: 'Leads' }).or(page.locator('section[aria-labelledby="leads-h"]')).getByText(HOSTILE, { exact: true }).waitFor();
  expect(await page.locator('img[src="x"]').count()).toBe(0);

  // Ledger rows as the dialer writes them: two numbers, searched by one in national format.
  const repo = h.service.dataSource.getRepository(LedgerSchema);
  const base = { campaign_id: campaignId, lead_id: null, attempt: 1, call_uuid: null, agent_id: null, resolved_at: null };
  await repo.insert({ ...base, phone_e164: '+14155550101', at: new Date(), action: 'dial', reason: 'progressive', detail: 'first attempt', outcome: 'busy' });
  await repo.insert({ ...base, phone_e164: '+14155550102', at: new Date(), action: 'skip', reason: 'window', detail: 'outside 10:00-19:30 local', outcome: null });
  await repo.insert({ ...base, phone_e164: '+14155550101', at: new Date(), action: 'skip', reason: 'dnc', detail: 'on the campaign DNC list', outcome: null });
  await page.getByLabel('Phone number', { exact: true }).fill('(415) 555-0101');
  await page.getByRole('button', { name: 'Search ledger' }).click();
  const ledger = page.getByRole('table', { name: 'Ledger rows for (415) 555-0101' });
  await ledger.getByText('on the campaign DNC list').waitFor();
  await ledger.getByText('first attempt').waitFor();
  expect(await ledger.getByText('+14155550102').count()).toBe(0);
  await page.getByRole('heading', { name: 'Import leads' }).scrollIntoViewIfNeeded();
  await screenshot(page, 'admin-campaign-import');

  await go('/admin/campaigns', 'Campaigns');
  await page.getByRole('row', { name: /spring/ }).getByText('America/New_York').waitFor();
  await screenshot(page, 'admin-campaigns');
});

test('DNC: a number added to the global list and removed', async () => {
  const { page } = cp;
  await go('/admin/dnc', 'Do-not-call lists');
  await label('DNC phone number').fill('415-555-0177');
  await label('Reason').fill('asked on the phone');
  await page.getByRole('button', { name: 'Add number' }).click();
  await page.getByRole('row', { name: /\+14155550177/ }).getByText('asked on the phone').waitFor();
  await page.getByRole('button', { name: 'Remove +14155550177 from the global list' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
  await page.getByRole('row', { name: /\+14155550177/ }).waitFor({ state: 'detached' });
});

test('reports: the queue report as a table and a chart, downloaded as CSV; the agent report', async () => {
  const { page } = cp;
  await go('/admin/reports', 'Reports');
  const table = page.getByRole('table', { name: 'Queue report' });
  const row = table.getByRole('row', { name: /support/ });
  await row.waitFor();
  expect(await row.getByRole('cell').nth(3).textContent()).toBe('1'); // answered
  await page.getByRole('img', { name: /Queue calls per bucket/ }).locator('canvas').first().waitFor();
  await screenshot(page, 'admin-reports');

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
  expect(download.suggestedFilename()).toMatch(/^queue-report-day-\d{4}-\d\d-\d\d-\d{4}-\d\d-\d\d\.csv$/);
  const text = fs.readFileSync((await download.path())!, 'utf8');
  const [header, first] = text.split('\r\n');
  expect(header!.split(',').slice(0, 4)).toEqual(['queue', 'bucket_start', 'offered', 'answered']);
  expect(first!.startsWith('support,')).toBe(true);

  await page.getByRole('tab', { name: 'Agents' }).click();
  await page.getByLabel('By', { exact: true }).selectOption('hour');
  await page.getByRole('table', { name: 'Agent report' }).getByRole('row').nth(1).getByRole('cell').nth(4).filter({ hasText: '1' }).waitFor();
  await page.getByRole('img', { name: /Agent calls per bucket/ }).locator('canvas').first().waitFor();
});

test('audit log: the admin sees their own actions, and filters by action', async () => {
  const { page } = cp;
  await go('/admin/audit', 'Audit log');
  const log = page.getByRole('table');
  for (const action of ['user.create', 'user.password', 'api_key.create', 'api_key.revoke', 'sip_account.create', 'sip_account.password', 'acd_queue.create', 'acd_agent.create', 'campaign.create', 'campaign.leads.import', 'dnc.add', 'dnc.remove'])
    await log.getByRole('row', { name: new RegExp(`admin.*${action.replace('.', '\\.')}`) }).first().waitFor();
  // No secret in the log: the API key's and the SIP password's entries say that they changed, not to what.
  expect(await page.content()).not.toMatch(/"password":/);
  await page.getByLabel('Action', { exact: true }).fill('acd_queue.create');
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.getByRole('table', { name: /^1 entries/ }).waitFor();
  await log.getByRole('row', { name: /acd_queue\.create.*acd_queue sales/ }).waitFor();
  await log.getByText('before / after').click();
  await log.getByLabel('After').getByText(/"strategy": "best_skill"/).waitFor();
});

test('a supervisor reads the reports but not the admin pages', async () => {
  await h.user('sup1', 'supervisor', 'Sue Pervisor');
  const sup = await openConsole(browser, h.url);
  try {
    await signIn(sup.page, 'sup1', USER_PASSWORD);
    await sup.page.evaluate(`location.hash = '/admin/reports'`);
    await sup.page.getByRole('table', { name: 'Queue report' }).getByRole('row', { name: /support/ }).waitFor();
    expect(await sup.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).count()).toBe(0);
    await sup.page.evaluate(`location.hash = '/admin/users'`);
    await sup.page.getByRole('alert').getByText(/this page needs another role than supervisor/).waitFor();
    expect(sup.problems).toEqual([]);
  } finally {
    await sup.context.close();
  }
});

test('nodes: sim1 connected with its heartbeat and channels; a dropped connection counts as a reconnect', async () => {
  const { page } = cp;
  // A heartbeat once the report's call is over: no channel up.
  await waitFor('the calls to end', () => h.sim.channels().length === 0);
  h.sim.fireHeartbeat();
  await waitFor('the heartbeat', () => h.service.cluster.health()[0]!.last_heartbeat?.session_count === 0);
  await go('/admin/nodes', 'FreeSWITCH nodes');
  const node = page.getByTestId('node-sim1');
  await node.getByText('connected', { exact: true }).waitFor();
  expect(await node.getByRole('cell').nth(3).textContent()).toBe('0'); // channels from the heartbeat
  const before = h.service.cluster.health()[0]!.reconnects!;
  expect(await node.getByRole('cell').nth(7).textContent()).toBe(String(before)); // reconnects
  await screenshot(page, 'admin-nodes');

  expect(h.sim.dropConnections()).toBeGreaterThan(0);
  await waitFor('the service to reconnect', () => h.service.cluster.allConnected() && h.service.cluster.health()[0]!.reconnects! > before);
  const after = h.service.cluster.health()[0]!.reconnects!;
  await page.getByRole('button', { name: 'Refresh' }).click();
  await node.getByRole('cell').nth(7).filter({ hasText: new RegExp(`^${after}$`) }).waitFor();
  await node.getByText('connected', { exact: true }).waitFor();
});

/**
 * The Alerts and Period reports pages in Chromium against the service + simulator: an admin's rule form shows the
 * API's 400 and then adds a real rule (fs_nodes_down above -1 opens at the first tick, ALERT_TICK_MS 200); the
 * alert appears live on the admin's page and on a supervisor's, who acknowledges it (the API records who) and reads its timeline; the
 * admin sees the acknowledgement live and deletes the rule. A supervisor opens a period report over seeded queue
 * calls: the table shows the figures and the CSV download carries them. An admin makes an anomaly rule and a team
 * rule with the form (a bad team name shows the API's 400), edits the team rule and disables / enables it.
 */
import type { Browser } from 'playwright-core';
import { AcdQueueCallSchema, AlertSchema } from '../../src/db/entities';
import type { AcdQueueCallRow } from '../../src/db/entities/acd-history';
import { engines } from '../helpers/databases';
import { waitFor } from '../acd-runtime/harness';
import { downloadedText, launchBrowser, openConsole, screenshot, signIn } from './browser';
import { ADMIN_PASSWORD, ConsoleHarness, USER_PASSWORD } from './harness';

interface AlertJson {
  id: number;
  rule_name: string;
  state: string;
  acknowledged_by_name: string | null;
  acknowledged_at: string | null;
  events: Array<{ kind: string; actor_name: string | null }>;
}

const h = new ConsoleHarness(engines.sqlite, { env: { ALERT_TICK_MS: '200', CENTER_TIME_ZONE: 'UTC' } });
let browser: Browser;

async function json<T>(path: string, init: RequestInit & { json?: unknown } = {}): Promise<T> {
  const res = await h.api(path, init);
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

function call(id: string, entered: string, outcome: AcdQueueCallRow['outcome'], waitMs: number, talkMs: number | null): AcdQueueCallRow {
  return {
    id,
    fs_node: 'fs1',
    queue: 'billing',
    priority: 0,
    caller_number: `+1555000${id.slice(-1)}`,
    caller_name: null,
    entered_at: new Date(entered),
    offered_count: outcome === 'answered' ? 1 : 0,
    answered_at: outcome === 'answered' ? new Date(Date.parse(entered) + waitMs) : null,
    ended_at: null,
    agent_id: null,
    wait_ms: waitMs,
    talk_ms: talkMs,
    outcome,
    overflow_target: null,
    disposition: null,
    notes: null,
    data: null,
  };
}

beforeAll(async () => {
  [browser] = await Promise.all([launchBrowser(), h.start()]);
  await h.user('sue', 'supervisor', 'Sue Visor');
  await h.service.dataSource.getRepository(AcdQueueCallSchema).save([
    // Handling on the 3rd: 20 s of hold and a 30 s wrap-up on q1, a transfer on q2, both answered by team north.
    { ...call('q1', '2026-03-03T09:00:00Z', 'answered', 5_000, 60_000), hold_ms: 20_000, hold_count: 1, wrap_ms: 30_000, team: 'north' },
    { ...call('q2', '2026-03-03T10:00:00Z', 'answered', 8_000, 120_000), transfers: 1, team: 'north' },
    call('q3', '2026-03-03T11:00:00Z', 'abandoned', 40_000, null),
    call('q4', '2026-03-04T09:00:00Z', 'answered', 4_000, 30_000),
  ]);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await h.stop();
});

test('an admin adds a rule, the alert opens live for a supervisor who acknowledges it and reads its timeline', async () => {
  const admin = await openConsole(browser, h.url);
  await signIn(admin.page, 'admin', ADMIN_PASSWORD);
  await admin.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Alerts' }).click();
  await admin.page.getByRole('heading', { name: 'Alerts', level: 1 }).waitFor();
  await admin.page.getByText('No open alerts.').waitFor();

  // A queue rule without a queue name or threshold: the API's 400 is shown at the form and nothing is added.
  const form = admin.page.getByRole('form', { name: 'New alert rule' });
  await form.getByLabel('Name').fill('Broken rule');
  await form.getByRole('button', { name: 'Add rule' }).click();
  await form.getByRole('alert').waitFor();
  expect(await form.getByRole('alert').textContent()).toMatch(/queue/);
  expect((await json<{ items: unknown[] }>('/api/v1/alerts/rules')).items).toHaveLength(0);

  await form.getByLabel('Name').fill('Nodes down');
  await form.getByLabel('Scope').selectOption('global');
  await form.getByLabel('Metric').selectOption('fs_nodes_down');
  await form.getByLabel('Direction').selectOption('above');
  await form.getByLabel('Threshold', { exact: true }).fill('-1');
  await form.getByLabel('Clear for (s)').fill('0');
  await form.getByRole('button', { name: 'Add rule' }).click();
  await form.getByRole('status').filter({ hasText: 'Rule Nodes down added.' }).waitFor();
  const rules = (await json<{ items: Array<{ id: number; name: string; rule: Record<string, unknown> }> }>('/api/v1/alerts/rules')).items;
  expect(rules).toHaveLength(1);
  expect(rules[0]).toMatchObject({ name: 'Nodes down', rule: { scope: { kind: 'global' }, metric: 'fs_nodes_down', direction: 'above', threshold: -1, clear_for_sec: 0 } });
  await admin.page.getByRole('table', { name: 'Alert rules' }).getByText('fs_nodes_down above -1 · global').waitFor();

  // The supervisor opens the page now; the admin's page was open before the alert: it arrives there over the live feed.
  const sup = await openConsole(browser, h.url);
  await signIn(sup.page, 'sue', USER_PASSWORD);
  await sup.page.goto('/#/supervisor/alerts');
  const openTable = sup.page.getByRole('table', { name: 'Open alerts' });
  await openTable.waitFor();
  const alert = await waitFor('the alert', async () => (await json<{ items: AlertJson[] }>('/api/v1/alerts?state=open')).items[0]);
  expect(alert.rule_name).toBe('Nodes down');
  await openTable.getByRole('button', { name: 'Nodes down', exact: true }).waitFor();
  await admin.page.getByRole('table', { name: 'Open alerts' }).getByRole('button', { name: 'Nodes down', exact: true }).waitFor();
  await screenshot(sup.page, 'supervisor-alerts');

  await openTable.getByRole('button', { name: 'Acknowledge Nodes down (global)' }).click();
  await openTable.getByText(/sue · /).waitFor();
  const acked = await json<AlertJson>(`/api/v1/alerts/${alert.id}`);
  expect(acked).toMatchObject({ state: 'open', acknowledged_by_name: 'sue' });
  expect(acked.events.map((e) => e.kind)).toEqual(['opened', 'acknowledged']);
  // The admin's page follows the acknowledgement live (no button left).
  await admin.page.getByRole('table', { name: 'Open alerts' }).getByText(/sue · /).waitFor();
  expect(await admin.page.getByRole('button', { name: /^Acknowledge/ }).count()).toBe(0);
  // A second acknowledgement is refused (409) by the API.
  expect((await h.api(`/api/v1/alerts/${alert.id}/ack`, { method: 'POST' })).status).toBe(409);

  // A second alert acknowledged elsewhere while the admin's page still offers the button (written to the database
  // directly, so no live message tells the page): the click shows the API's 409 and the list is fetched again.
  await json('/api/v1/alerts/rules', { method: 'POST', json: { name: 'Backlog', scope: { kind: 'global' }, metric: 'cdr_backlog', direction: 'above', threshold: -1 } });
  const backlog = await waitFor('the second alert', async () => (await json<{ items: AlertJson[] }>('/api/v1/alerts?state=open')).items.find((a) => a.rule_name === 'Backlog'));
  const adminOpen = admin.page.getByRole('table', { name: 'Open alerts' });
  await adminOpen.getByRole('button', { name: 'Acknowledge Backlog (global)' }).waitFor();
  await h.service.dataSource.getRepository(AlertSchema).update({ id: backlog.id }, { acknowledged_by_name: 'Other Sup', acknowledged_at: new Date() });
  await adminOpen.getByRole('button', { name: 'Acknowledge Backlog (global)' }).click();
  await admin.page.getByRole('alert').filter({ hasText: /was acknowledged by Other Sup/ }).waitFor();
  await adminOpen.getByText(/Other Sup · /).waitFor();
  expect((await json<AlertJson>(`/api/v1/alerts/${backlog.id}`)).events.map((e) => e.kind)).toEqual(['opened']);

  // The timeline.
  await openTable.getByRole('button', { name: 'Nodes down', exact: true }).click();
  const timeline = sup.page.getByRole('table', { name: 'Timeline' });
  await timeline.getByRole('cell', { name: 'acknowledged' }).waitFor();
  await timeline.getByRole('cell', { name: 'opened' }).waitFor();
  await timeline.getByRole('cell', { name: 'sue', exact: true }).waitFor();
  // Supervisors do not see the rules.
  expect(await sup.page.getByRole('table', { name: 'Alert rules' }).count()).toBe(0);

  // The admin deletes the rule.
  await admin.page.getByRole('button', { name: 'Delete rule Nodes down' }).click();
  await admin.page.getByRole('table', { name: 'Alert rules' }).getByRole('cell', { name: 'Nodes down', exact: true }).waitFor({ state: 'detached' });
  expect((await json<{ items: Array<{ name: string }> }>('/api/v1/alerts/rules')).items.map((r) => r.name)).toEqual(['Backlog']);

  for (const c of [admin, sup]) {
    expect(c.dialogs).toEqual([]);
    expect(c.problems).toEqual([]);
    await c.context.close();
  }
}, 90_000);

test('an admin makes an anomaly rule and a team rule with the form, edits one and disables it', async () => {
  const admin = await openConsole(browser, h.url);
  await signIn(admin.page, 'admin', ADMIN_PASSWORD);
  await admin.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Alerts' }).click();
  const form = admin.page.getByRole('form', { name: 'New alert rule' });
  await form.waitFor();
  type RuleJson = { id: number; name: string; enabled: boolean; rule: Record<string, unknown> };
  const ruleNamed = async (name: string) => (await json<{ items: RuleJson[] }>('/api/v1/alerts/rules')).items.find((r) => r.name === name);

  // An anomaly rule: only the scopes with a call history and the seasonal metrics are offered, no threshold fields.
  await form.getByLabel('Name').fill('Support surge');
  await form.getByLabel('Kind').selectOption('anomaly');
  expect(await form.getByLabel('Scope').locator('option').allTextContents()).toEqual(['queue', 'team']);
  expect(await form.getByLabel('Metric').locator('option').allTextContents()).toEqual(['abandon_rate', 'asa_sec', 'calls_offered']);
  expect(await form.getByLabel('Threshold', { exact: true }).count()).toBe(0);
  await form.getByLabel('Queue').fill('support');
  await form.getByLabel('Metric').selectOption('calls_offered');
  await form.getByLabel('Direction').selectOption('above');
  await form.getByLabel('Weeks', { exact: true }).fill('6');
  await form.getByLabel('Sigmas').fill('2.5');
  await form.getByLabel('Window (min)').fill('60');
  await form.getByRole('button', { name: 'Add rule' }).click();
  await form.getByRole('status').filter({ hasText: 'Rule Support surge added.' }).waitFor();
  expect((await ruleNamed('Support surge'))?.rule).toMatchObject({ kind: 'anomaly', scope: { kind: 'queue', queue: 'support' }, metric: 'calls_offered', direction: 'above', weeks: 6, min_weeks: 3, sigmas: 2.5, window_min: 60 });
  const rulesTable = admin.page.getByRole('table', { name: 'Alert rules' });
  await rulesTable.getByText('calls_offered above anomaly (2.5σ) · queue support').waitFor();

  // A team rule: a bad team name is the API's 400 at the form; then a real one.
  await form.getByLabel('Name').fill('Blue ready');
  await form.getByLabel('Kind').selectOption('threshold');
  await form.getByLabel('Scope').selectOption('team');
  expect(await form.getByLabel('Metric').locator('option').allTextContents()).not.toContain('dialer_abandon_rate');
  await form.getByLabel('Team').fill('blue team');
  await form.getByLabel('Metric').selectOption('agents_ready');
  await form.getByLabel('Direction').selectOption('below');
  await form.getByLabel('Threshold', { exact: true }).fill('2');
  await form.getByRole('button', { name: 'Add rule' }).click();
  await form.getByRole('alert').filter({ hasText: /must be a team name/ }).waitFor();
  expect(await ruleNamed('Blue ready')).toBeUndefined();
  await form.getByLabel('Team').fill('blue');
  await form.getByRole('button', { name: 'Add rule' }).click();
  await form.getByRole('status').filter({ hasText: 'Rule Blue ready added.' }).waitFor();
  expect((await ruleNamed('Blue ready'))?.rule).toMatchObject({ kind: 'threshold', scope: { kind: 'team', team: 'blue' }, metric: 'agents_ready', direction: 'below', threshold: 2 });
  await rulesTable.getByText('agents_ready below 2 · team blue').waitFor();

  // Edit it: the form opens with the stored values; the change is saved with PUT.
  await admin.page.getByRole('button', { name: 'Edit rule Blue ready' }).click();
  const edit = admin.page.getByRole('form', { name: 'Edit alert rule Blue ready' });
  expect(await edit.getByLabel('Team').inputValue()).toBe('blue');
  expect(await edit.getByLabel('Threshold', { exact: true }).inputValue()).toBe('2');
  expect(await edit.getByLabel('Scope').inputValue()).toBe('team');
  await edit.getByLabel('Name').fill('Blue ready 3');
  await edit.getByLabel('Threshold', { exact: true }).fill('3');
  await edit.getByLabel('Clear threshold').fill('4');
  await edit.getByRole('button', { name: 'Save rule' }).click();
  await admin.page.getByRole('status').filter({ hasText: 'Rule Blue ready 3 saved.' }).waitFor();
  await edit.waitFor({ state: 'detached' });
  const edited = (await ruleNamed('Blue ready 3'))!;
  expect(edited.rule).toMatchObject({ scope: { kind: 'team', team: 'blue' }, metric: 'agents_ready', threshold: 3, clear_threshold: 4 });
  await rulesTable.getByText('agents_ready below 3 (clears at 4) · team blue').waitFor();

  // Disable it (PATCH, audited), and enable it again.
  await admin.page.getByRole('button', { name: 'Disable rule Blue ready 3' }).click();
  await admin.page.getByRole('status').filter({ hasText: 'Rule Blue ready 3 disabled.' }).waitFor();
  await rulesTable.getByRole('row', { name: /Blue ready 3/ }).getByRole('cell', { name: 'no', exact: true }).waitFor();
  expect((await ruleNamed('Blue ready 3'))).toMatchObject({ enabled: false, rule: { enabled: false } });
  const audit = await json<{ items: Array<{ target_id: string }> }>('/api/v1/audit?action=alert_rule.disable');
  expect(audit.items.map((a) => a.target_id)).toEqual([String(edited.id)]);
  await admin.page.getByRole('button', { name: 'Enable rule Blue ready 3' }).click();
  await admin.page.getByRole('status').filter({ hasText: 'Rule Blue ready 3 enabled.' }).waitFor();
  expect((await ruleNamed('Blue ready 3'))?.enabled).toBe(true);
  await screenshot(admin.page, 'admin-alert-rules');

  for (const r of (await json<{ items: RuleJson[] }>('/api/v1/alerts/rules')).items) await h.api(`/api/v1/alerts/rules/${r.id}`, { method: 'DELETE' });
  expect(admin.dialogs).toEqual([]);
  expect(admin.problems).toEqual([]);
  await admin.context.close();
}, 90_000);

test('a supervisor reads a period report by day, with the figures in the table and in the CSV', async () => {
  const { page, context, problems, dialogs } = await openConsole(browser, h.url);
  await signIn(page, 'sue', USER_PASSWORD);
  await page.goto('/#/admin/reports');
  await page.getByRole('link', { name: 'Period reports' }).last().click();
  await page.getByRole('heading', { name: 'Period reports', level: 1 }).waitFor();
  const range = page.getByRole('form', { name: 'Report range' });
  await range.getByLabel('By').selectOption('queue');
  await range.getByLabel('Period').selectOption('day');
  await range.getByLabel('From').fill('2026-03-03');
  await range.getByLabel('To (included)').fill('2026-03-04');
  const table = page.getByRole('table', { name: 'Queue report by day' });
  const day1 = table.getByRole('row').filter({ hasText: '2026-03-03' });
  await day1.waitFor();
  // Period, queue, offered, answered, abandoned, short abandons.
  expect((await day1.getByRole('cell').allTextContents()).slice(0, 6)).toEqual(['2026-03-03', 'billing', '3', '2', '1', '0']);
  // Service level: 2 answered within the threshold of 3 (answered + abandoned).
  expect((await day1.getByRole('cell').allTextContents())[9]).toBe('66.7%');
  // AHT 105 s = talk (180 s - 20 s of hold) / 2 + hold 20 / 2 + wrap-up 30 / 2; one transfer, no 3-way.
  expect((await day1.getByRole('cell').allTextContents()).slice(12, 18)).toEqual(['1:45', '1:20', '0:10', '0:15', '1', '0']);
  const day2 = table.getByRole('row').filter({ hasText: '2026-03-04' });
  expect((await day2.getByRole('cell').allTextContents()).slice(0, 5)).toEqual(['2026-03-04', 'billing', '1', '1', '0']);
  await page.getByRole('img', { name: 'Offered, answered and abandoned calls per period' }).waitFor();
  await page.getByRole('img', { name: 'Service level per period, percent' }).waitFor();
  await screenshot(page, 'period-reports');

  const [download] = await Promise.all([page.waitForEvent('download'), range.getByRole('button', { name: 'Download CSV' }).click()]);
  expect(download.suggestedFilename()).toBe('report-queue-day-2026-03-03-2026-03-04.csv');
  const text = await downloadedText(download);
  const lines = text.trim().split(/\r?\n/);
  const header = lines[0]!.split(',');
  const row = lines.find((l) => l.includes('2026-03-03') && l.includes('billing'))!.split(',');
  const at = (col: string) => row[header.indexOf(col)];
  expect([at('offered'), at('answered'), at('abandoned')]).toEqual(['3', '2', '1']);
  expect([at('aht_sec'), at('aht_talk_sec'), at('aht_hold_sec'), at('aht_wrap_sec'), at('transfers')]).toEqual(['105', '80', '10', '15', '1']);
  // By team: the answering agents' team; the abandoned call has none.
  await range.getByLabel('By').selectOption('team');
  const teams = page.getByRole('table', { name: 'Team report by day' });
  const north = teams.getByRole('row').filter({ hasText: 'north' }).filter({ hasText: '2026-03-03' });
  await north.waitFor();
  expect((await north.getByRole('cell').allTextContents()).slice(0, 4)).toEqual(['2026-03-03', 'north', '2', '2']);
  await range.getByLabel('By').selectOption('campaign');
  await page.getByRole('table', { name: 'Campaign report by day' }).getByRole('row').filter({ hasText: '(none)' }).first().waitFor();
  expect(dialogs).toEqual([]);
  expect(problems).toEqual([]);
  await context.close();
}, 60_000);

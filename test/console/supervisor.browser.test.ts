/**
 * The supervisor's console in Chromium, against the service and the simulator: the wallboard follows the live feed
 * (an agent's state, a call arriving) and is scoped to the supervisor's teams; a whisper on an agent's live call
 * from the supervisor's own softphone, confirmed, shows its audit entry; the session panel switches mode and ends;
 * a forced hangup; the campaign view with its chart and start/stop; recordings search, play and download.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { LedgerSchema } from '../../src/db/entities/dialer';
import { buildWav } from '../../src/simulator/recordings';
import { engines } from '../helpers/databases';
import { waitFor } from '../acd-runtime/harness';
import { seedRecording } from '../recording/helpers';
import { launchBrowser, openConsole, screenshot, signIn } from './browser';
import { ADMIN_PASSWORD, ConsoleHarness, USER_PASSWORD } from './harness';

const h = new ConsoleHarness(engines.sqlite);
let browser: Browser;
let supId = 0;
let ann = 0;
let bob = 0;
let zed = 0;
let salesDid = '';

beforeAll(async () => {
  [browser] = await Promise.all([launchBrowser(), h.start()]);
  salesDid = await h.queue('sales');
  await h.queue('support');
  supId = await h.user('sue', 'supervisor', 'Sue Pervisor');
  // The supervisor's own softphone, answered 200 ms after it rings (the supervision originate waits for it).
  h.sim.registerSoftphone('3001', { answerDelayMs: 200 });
  const res = await h.api(`/api/v1/supervision/supervisors/${supId}/teams`, { method: 'PUT', json: { teams: ['red'], extension: '3001' } });
  expect(res.status).toBe(200);
  // Ann and Bob are in Sue's team; Zed is not (the wallboard must not show him).
  ann = await h.consoleAgent('ann', '2001', ['sales'], { teams: ['red'], displayName: 'Ann Agent', behavior: { answerDelayMs: 100 } });
  bob = await h.consoleAgent('bob', '2002', ['sales', 'support'], { teams: ['red'], displayName: 'Bob Agent' });
  zed = await h.consoleAgent('zed', '2003', ['support'], { teams: ['blue'], displayName: 'Zed Other' });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await h.stop();
});

test('wallboard: live state and calls, team scope, whisper with its audit entry, session mode and end, forced hangup, take over, forced state', async () => {
  const { page, context, problems, dialogs } = await openConsole(browser, h.url);
  await signIn(page, 'sue', USER_PASSWORD);
  // Supervisors land on the wallboard.
  await page.getByRole('heading', { name: 'Wallboard' }).waitFor();
  const annRow = page.getByTestId(`agent-${ann}`);
  await annRow.getByTestId('agent-state').filter({ hasText: 'Logged out' }).waitFor();
  await page.getByTestId(`agent-${bob}`).waitFor();
  expect(await page.getByTestId(`agent-${zed}`).count()).toBe(0);
  expect(await page.getByText('Zed Other').count()).toBe(0);

  // An agent changes state: the wallboard follows (no reload, no polling: the WebSocket event).
  h.service.acd.engine.login(ann);
  await annRow.getByTestId('agent-state').filter({ hasText: 'Ready' }).waitFor();
  h.service.acd.engine.login(bob);
  h.service.acd.engine.setNotReady(bob, 'lunch');
  await page.getByTestId(`agent-${bob}`).getByTestId('agent-state').filter({ hasText: 'Not ready (lunch)' }).waitFor();

  // A call arrives: Ann's phone answers by itself; her row shows the call with the caller and the queue.
  const caller = h.sim.injectInboundCall({ from: '+14155550123', to: `+${salesDid}` });
  await annRow.getByTestId('agent-state').filter({ hasText: 'On call' }).waitFor();
  await annRow.getByTestId('agent-call').filter({ hasText: '+14155550123' }).waitFor();
  await annRow.getByTestId('agent-call').filter({ hasText: 'sales' }).waitFor();
  // A second call waits (nobody else is ready): the queue row counts it and the waiting list shows it.
  const waiting = h.call('sales', '+14155550124');
  await page.getByTestId('queue-sales').getByTestId('waiting').filter({ hasText: '1' }).waitFor();

  // Whisper on Ann's call: confirmation first, then the supervisor's phone rings and answers, then the audit entry.
  await page.getByRole('button', { name: 'Actions on Ann Agent' }).click();
  await page.getByRole('button', { name: 'Whisper', exact: true }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByText('The agent will hear you; the customer will not.').waitFor();
  await dialog.getByRole('button', { name: 'Start whisper' }).click();
  const entry = page.getByTestId('audit-entry');
  await entry.filter({ hasText: 'supervision.start' }).waitFor({ timeout: 20_000 });
  await entry.filter({ hasText: 'by sue' }).waitFor();
  const session = await waitFor('the whisper session', async () => {
    const r = await h.api('/api/v1/supervision/sessions?active=true');
    const s = ((await r.json()) as { sessions: Array<{ id: number; mode: string; agent_id: number }> }).sessions.find((x) => x.agent_id === ann);
    return s;
  });
  expect(session.mode).toBe('whisper');
  const panel = page.getByTestId(`session-${session.id}`);
  await panel.getByRole('button', { name: 'Whisper' }).and(page.locator('[aria-pressed="true"]')).waitFor();
  // The clocks tick by themselves between events: the call's duration and the queue's longest wait.
  await annRow.getByTestId('agent-call').filter({ hasText: /· 0:0[1-9]/ }).waitFor();
  await page.getByTestId('queue-sales').getByTestId('longest-wait').filter({ hasText: /^0:0[1-9]/ }).waitFor();
  await screenshot(page, 'supervisor-wallboard');

  // Mode switch from the session panel, then end the session (the call goes on).
  await panel.getByRole('button', { name: 'Barge' }).click();
  await panel.getByRole('button', { name: 'Barge' }).and(page.locator('[aria-pressed="true"]')).waitFor();
  await panel.getByRole('button', { name: 'End' }).click();
  await page.getByText('No active session.').waitFor();
  expect(h.state(ann)).toBe('on_call');

  // Force the hangup of Ann's call: confirmed, audited; the waiting call then goes to Ann after wrap-up.
  await page.getByRole('button', { name: 'Force hangup' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Hang up the call' }).click();
  await entry.filter({ hasText: 'supervision.force_hangup' }).waitFor();
  await waitFor('the first call to end', () => !h.live().has(caller));

  // After her wrap-up the waiting call goes to Ann (Bob is not ready). Listen to it, then take it over: the customer
  // is bridged to Sue's phone and Ann is released.
  await annRow.getByTestId('agent-call').filter({ hasText: '+14155550124' }).waitFor({ timeout: 15_000 });
  await page.getByRole('button', { name: 'Listen', exact: true }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Start listen' }).click();
  await entry.filter({ hasText: 'supervision.start' }).waitFor({ timeout: 20_000 });
  await page.getByRole('button', { name: 'Take over' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Take over' }).click();
  await entry.filter({ hasText: 'supervision.take_over' }).waitFor({ timeout: 20_000 });
  await page.getByText('No active session.').waitFor();
  await annRow.getByTestId('agent-state').filter({ hasText: /Wrap-up|Ready/ }).waitFor();
  expect(h.live().has(waiting)).toBe(true);

  // Force Bob's state: he is in Sue's team.
  await page.getByRole('button', { name: 'Actions on Bob Agent' }).click();
  await page.getByRole('button', { name: 'Ready', exact: true }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Make ready' }).click();
  await entry.filter({ hasText: 'supervision.force_state' }).waitFor();
  await page.getByTestId(`agent-${bob}`).getByTestId('agent-state').filter({ hasText: 'Ready' }).waitFor();
  await page.getByLabel('Reason').selectOption('training');
  await page.getByRole('button', { name: 'Not ready', exact: true }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Make not ready' }).click();
  await page.getByTestId(`agent-${bob}`).getByTestId('agent-state').filter({ hasText: 'Not ready (training)' }).waitFor();

  // The audit log of a supervisor holds only their own entries.
  const own = await fetch(`${h.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'sue', password: USER_PASSWORD }) });
  const token = ((await own.json()) as { token: string }).token;
  const audit = (await (await fetch(`${h.url}/api/v1/audit`, { headers: { authorization: `Bearer ${token}` } })).json()) as { items: Array<{ actor_name: string; action: string }> };
  expect(audit.items.map((i) => i.action)).toEqual(expect.arrayContaining(['supervision.start', 'supervision.mode', 'supervision.end', 'supervision.force_hangup', 'supervision.take_over', 'supervision.force_state']));
  expect(new Set(audit.items.map((i) => i.actor_name))).toEqual(new Set(['sue']));

  // Clean up the calls.
  for (const c of h.sim.channels()) h.sim.hangup(c.uuid);
  await waitFor('every call to end', () => h.sim.channels().length === 0);
  expect(dialogs).toEqual([]);
  expect(problems).toEqual([]);
  await context.close();
}, 90_000);

test('campaign view: live figures, per-day chart, start and stop with confirmation and audit', async () => {
  const created = await h.api('/api/v1/dialer/campaigns', { method: 'POST', json: { name: 'spring-promo', type: 'preview', queue: 'sales' } });
  expect(created.status).toBe(201);
  const campaign = (await created.json()) as { id: number };
  // A few days of dials in the ledger, for the chart.
  const day = 86_400_000;
  const rows = [];
  for (let d = 5; d >= 1; d--) {
    for (let i = 0; i < 4 + d; i++) {
      rows.push({
        campaign_id: campaign.id,
        lead_id: null,
        phone_e164: `+1415555${String(1000 + i)}`,
        at: new Date(Date.now() - d * day),
        action: 'dial' as const,
        reason: 'due',
        detail: '',
        attempt: 1,
        call_uuid: null,
        agent_id: null,
        outcome: i % 5 === 0 ? 'abandoned' : i % 2 ? 'human' : 'no_answer',
        resolved_at: null,
      });
    }
  }
  await h.service.dataSource.getRepository(LedgerSchema).save(rows);

  const { page, context, problems } = await openConsole(browser, h.url);
  await signIn(page, 'sue', USER_PASSWORD);
  await page.locator('a[href="#/supervisor/campaigns"]').click();
  await page.getByRole('heading', { name: 'Campaigns' }).waitFor();
  const row = page.getByTestId(`campaign-${campaign.id}`);
  await row.getByText('stopped').waitFor();
  await page.getByRole('heading', { name: 'spring-promo: per day (last 30 days)' }).waitFor();
  // The chart is drawn (uPlot's canvas) with its accessible name.
  await page.getByRole('img', { name: /per day for spring-promo/ }).locator('canvas').first().waitFor();

  await row.getByRole('button', { name: 'Start spring-promo' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Start dialing' }).click();
  await page.getByTestId('audit-entry').filter({ hasText: 'campaign.start' }).waitFor();
  await row.getByRole('button', { name: 'Stop spring-promo' }).waitFor();
  await screenshot(page, 'supervisor-campaigns');
  await row.getByRole('button', { name: 'Stop spring-promo' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Stop dialing' }).click();
  await page.getByTestId('audit-entry').filter({ hasText: 'campaign.stop' }).waitFor();
  await row.getByText('stopped').waitFor();
  expect(problems).toEqual([]);
  await context.close();
}, 60_000);

test('recordings: search, play in the browser (a playable src), download; legal hold disabled for supervisors with the reason', async () => {
  const dir = h.service.config.recordings.dir;
  const seed = async (agentId: number | null, queue: string, caller: string, minutesAgo: number) => {
    const id = randomUUID();
    const started = new Date(Date.now() - minutesAgo * 60_000);
    await seedRecording(
      { recordings: h.service.recordings, dir },
      { id, agent_id: agentId, queue, caller_number: caller, file_path: path.join(dir, 'console', `${id}.wav`), started_at: started, duration_ms: 2000, ended_at: new Date(started.getTime() + 2000), bytesOfFile: buildWav(2000, 1, 60, () => false) },
    );
    return id;
  };
  const annRec = await seed(ann, 'sales', '+14155550177', 30);
  const bobRec = await seed(bob, 'support', '+14155550188', 20);
  const zedRec = await seed(zed, 'support', '+14155550199', 10);

  const { page, context, problems } = await openConsole(browser, h.url);
  await signIn(page, 'sue', USER_PASSWORD);
  await page.locator('a[href="#/supervisor/recordings"]').click();
  await page.getByRole('heading', { name: 'Recordings', level: 1 }).waitFor();
  // Sue sees her team's recordings, never Zed's.
  await page.getByTestId(`recording-${annRec}`).waitFor();
  await page.getByTestId(`recording-${bobRec}`).waitFor();
  expect(await page.getByTestId(`recording-${zedRec}`).count()).toBe(0);
  // Legal hold: disabled, and the reason is on the page.
  await page.getByText('Legal hold can be set by admins only.').waitFor();
  expect(await page.getByTestId(`recording-${annRec}`).getByRole('checkbox').isDisabled()).toBe(true);

  // Search by caller, then by agent and queue.
  await page.getByLabel('Caller').fill('+14155550177');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('heading', { name: '1 recording', exact: true }).waitFor();
  await page.getByTestId(`recording-${annRec}`).waitFor();
  await page.getByLabel('Caller').fill('');
  await page.getByLabel('Agent').selectOption(String(bob));
  await page.getByLabel('Queue').fill('support');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByTestId(`recording-${bobRec}`).waitFor();
  await page.getByTestId(`recording-${annRec}`).waitFor({ state: 'detached' });
  await page.getByRole('button', { name: 'Clear' }).click();
  await page.getByTestId(`recording-${annRec}`).waitFor();

  // Play: the <audio> element gets a play URL and loads it (metadata read: the browser could stream it).
  await page.getByTestId(`recording-${annRec}`).getByRole('button', { name: /^Play/ }).click();
  const audio = page.getByTestId('recording-audio');
  await audio.waitFor();
  expect(await audio.getAttribute('src')).toMatch(new RegExp(`^/api/v1/recordings/${annRec}/file\\?token=`));
  // (A function, not a string: the console's CSP forbids eval. The test's TypeScript has no DOM types.)
  await page.waitForFunction(() => {
    type Audio = { readyState: number; duration: number; error: unknown };
    const a = (globalThis as unknown as { document: { querySelector(s: string): Audio | null } }).document.querySelector('audio');
    return !!a && a.readyState >= 1 && a.duration > 1.5 && !a.error;
  });
  await screenshot(page, 'supervisor-recordings');

  // Download: a file named after the recording, with the WAV bytes.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId(`recording-${annRec}`).getByRole('button', { name: /^Download/ }).click()]);
  expect(download.suggestedFilename()).toContain(annRec);
  const saved = await download.path();
  expect(fs.readFileSync(saved!).subarray(0, 4).toString('ascii')).toBe('RIFF');
  expect(problems).toEqual([]);
  await context.close();

  // An admin may set the legal hold: confirmed, then its audit entry.
  const admin = await openConsole(browser, h.url);
  await signIn(admin.page, 'admin', ADMIN_PASSWORD);
  // (By its address: the admin's navigation has more pages, some of the same names.)
  await admin.page.locator('a[href="#/supervisor/recordings"]').click();
  const hold = admin.page.getByTestId(`recording-${zedRec}`).getByRole('checkbox');
  expect(await hold.isDisabled()).toBe(false);
  await hold.click();
  await admin.page.getByRole('dialog').getByRole('button', { name: 'Set the hold' }).click();
  await admin.page.getByTestId('audit-entry').filter({ hasText: 'recording.update' }).waitFor();
  await admin.page.getByTestId(`recording-${zedRec}`).getByText('held').waitFor();
  const held = (await (await h.api(`/api/v1/recordings/${zedRec}`)).json()) as { legal_hold: boolean };
  expect(held.legal_hold).toBe(true);
  expect(admin.problems).toEqual([]);
  await admin.context.close();
}, 60_000);

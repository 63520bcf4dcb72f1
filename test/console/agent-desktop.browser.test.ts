/**
 * The agent desktop in Chromium against the service + simulator: an agent logs in, goes ready, their softphone rings
 * for a queue call (banner + screen pop, a hostile CRM name shown as text), they answer on the phone, hold, transfer
 * to another agent, and wrap up with a disposition and notes that land in acd_queue_calls.
 */
import type { Browser } from 'playwright-core';
import { sqlDateTime } from '../../src/db/entities/columns';
import { engines } from '../helpers/databases';
import { waitFor } from '../acd-runtime/harness';
import { localTime } from '../../src/dialer/leads/calling-window';
import { launchBrowser, openConsole, PHONE, screenshot, signIn } from './browser';
import { ConsoleHarness, USER_PASSWORD } from './harness';

const HOSTILE = '<img src=x onerror=alert(1)>';

/** A calling window open from an hour ago to two hours ahead in the zone of +1415 numbers. */
function openWindow(): { window_start: string; window_end: string } {
  const hhmm = (m: number) => {
    const d = ((m % 1440) + 1440) % 1440;
    return `${String(Math.floor(d / 60)).padStart(2, '0')}:${String(d % 60).padStart(2, '0')}`;
  };
  const now = localTime('America/Los_Angeles', new Date()).minutes;
  return { window_start: hhmm(now - 60), window_end: hhmm(now + 120) };
}
const CALLER = '+14155550177';

const h = new ConsoleHarness(engines.sqlite, { env: { OUTBOUND_GATEWAY: 'carrier' } });
let browser: Browser;
let alice = 0;
let bob = 0;

beforeAll(async () => {
  [browser] = await Promise.all([launchBrowser(), h.start()]);
  await h.queue('sales', { offerTimeoutSec: 60, maxNoAnswer: 0, wrapUpSec: 300, dispositions: ['sale', 'no sale', 'follow-up'] });
  // A flow that sets CRM data the way a lookup would: a hostile name and the VIP flag.
  await h.flow('vip-line', 'answer', {
    answer: { type: 'answer', next: 'name' },
    name: { type: 'set', variable: 'crm_name', value: HOSTILE, next: 'vip' },
    vip: { type: 'set', variable: 'crm_vip', value: 'true', next: 'q' },
    q: { type: 'queue', queue: 'sales' },
  });
  alice = await h.consoleAgent('alice', '1001', ['sales'], { displayName: 'Alice Adams' });
  // The transfer target: logged in but not ready until the transfer, so the queue call rings Alice.
  bob = await h.agent('1002', ['sales'], { answerDelayMs: 300 }, { ready: false });
  await h.user('sam', 'supervisor', 'Sam Noagent');
  // A previous call of the same caller, with notes that hold markup.
  const t = Date.now() - 86_400_000;
  await h.service.dataSource.query(
    `INSERT INTO acd_queue_calls (id, fs_node, queue, priority, caller_number, caller_name, entered_at, offered_count, answered_at, ended_at, agent_id, wait_ms, talk_ms, outcome, overflow_target, disposition, notes, data)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ['old-call-1', 'sim1', 'sales', 0, CALLER, 'Old Name', sqlDateTime(t), 1, sqlDateTime(t + 5000), sqlDateTime(t + 65_000), alice, 5000, 60_000, 'answered', null, 'sale', `asked about <b>${HOSTILE}</b>`, null],
  );
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await h.stop();
});

test('a user without an agent row is told so', async () => {
  const { page, context, problems } = await openConsole(browser, h.url);
  await signIn(page, 'sam', USER_PASSWORD);
  await page.goto(`${h.url}/#/agent`);
  await page.getByTestId('no-agent-row').filter({ hasText: 'You have no agent row' }).waitFor();
  expect(problems).toEqual([]);
  await context.close();
});

test('log in, ready, ring with the screen pop, answer, hold, transfer, wrap up with a disposition', async () => {
  const { page, context, problems, dialogs } = await openConsole(browser, h.url);
  await signIn(page, 'alice', USER_PASSWORD);
  await page.getByRole('heading', { name: /Agent desktop/ }).waitFor();
  const state = page.getByTestId('agent-state');
  await state.filter({ hasText: 'Logged out' }).waitFor();

  await page.getByRole('button', { name: 'Log in to the ACD' }).click();
  await state.filter({ hasText: 'Ready' }).waitFor();
  await page.getByLabel('Not-ready reason').selectOption('lunch');
  await page.getByRole('button', { name: /^Not ready/ }).click();
  await state.filter({ hasText: 'Not ready: lunch' }).waitFor();
  expect(h.state(alice)).toBe('not_ready');
  // Alt+R: ready from the keyboard.
  await page.keyboard.press('Alt+r');
  await state.filter({ hasText: /^Ready$/ }).waitFor();
  expect(h.state(alice)).toBe('available');

  const callId = h.call('flow:vip-line', CALLER);
  const banner = page.getByTestId('ringing-banner');
  await banner.waitFor();
  await banner.getByText('VIP', { exact: true }).waitFor();
  // The hostile CRM name is text on the screen, and no script ran.
  await banner.getByText(HOSTILE, { exact: true }).first().waitFor();
  await banner.getByText(`asked about <b>${HOSTILE}</b>`).waitFor();
  await banner.getByText(CALLER).first().waitFor();
  expect(await banner.locator('img').count()).toBe(0);
  await screenshot(page, 'agent-ringing');

  await waitFor('the softphone to ring', () => h.sim.softphoneAnswer('1001'));
  const hold = page.getByRole('button', { name: /^Hold/ });
  await hold.waitFor();
  await banner.waitFor({ state: 'detached' });
  expect(h.state(alice)).toBe('on_call');
  await page.getByTestId('screen-pop').getByText(HOSTILE, { exact: true }).first().waitFor();

  await hold.click();
  await page.getByRole('button', { name: /^Unhold/ }).waitFor();
  await page.getByText('on hold', { exact: true }).waitFor();
  // The call timer runs (and the screenshot shows a call in progress).
  await page.getByTestId('call-timer').filter({ hasNotText: '0:00' }).waitFor();
  await screenshot(page, 'agent-desktop');
  // Alt+H takes the call off hold again.
  await page.keyboard.press('Alt+h');
  await page.getByRole('button', { name: /^Hold/ }).waitFor();

  // Mute: the switch stops the caller hearing Alice (uuid_audio on her leg); she still hears the caller.
  const legs = h.service.acd.legsOfAgent(alice)!;
  expect(legs.callerUuid).toBe(callId);
  await waitFor('caller and agent hear each other', () => h.sim.whoDoesHear(callId).includes(legs.agentUuid!) && h.sim.whoDoesHear(legs.agentUuid!).includes(callId));
  const mute = page.getByRole('button', { name: /^Mute/ });
  expect(await mute.getAttribute('aria-pressed')).toBe('false');
  await mute.click();
  const unmute = page.getByRole('button', { name: /^Unmute/ });
  await unmute.waitFor();
  expect(await unmute.getAttribute('aria-pressed')).toBe('true');
  await page.getByText('muted', { exact: true }).waitFor();
  expect(h.sim.whoDoesHear(callId)).not.toContain(legs.agentUuid);
  expect(h.sim.whoDoesHear(legs.agentUuid!)).toContain(callId);
  await screenshot(page, 'agent-desktop-muted');
  // Alt+M unmutes: the caller hears Alice again.
  await page.keyboard.press('Alt+m');
  await page.getByRole('button', { name: /^Mute/ }).waitFor();
  expect(h.sim.whoDoesHear(callId)).toContain(legs.agentUuid);

  // The same desktop on a phone-sized screen, mid-call: no sideways scrolling.
  const phone = await openConsole(browser, h.url, PHONE);
  await signIn(phone.page, 'alice', USER_PASSWORD);
  await phone.page.getByRole('button', { name: /^Hang up/ }).waitFor();
  // A desktop that never saw the offer still gets the live IVR path from the API.
  await phone.page.getByRole('region', { name: 'IVR path' }).getByText('vip · set').waitFor();
  expect(await phone.page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.width);
  await screenshot(phone.page, 'agent-desktop-phone');
  expect(phone.problems).toEqual([]);
  await phone.context.close();

  // Blind transfer to Bob, found in the directory by extension.
  h.service.acd.engine.setReady(bob);
  await page.getByRole('button', { name: /Transfer \/ 3-way/ }).click();
  await page.getByLabel('Search agents and queues').fill('1002');
  const directory = page.getByRole('list', { name: 'Directory' });
  const toBob = directory.getByRole('button', { name: /^Transfer to / });
  await waitFor('Bob to show as available', async () => (await toBob.count()) === 1 && (await toBob.isEnabled()));
  await toBob.click();

  await page.getByRole('heading', { name: /Wrap-up/ }).waitFor();
  await state.filter({ hasText: 'Wrap-up' }).waitFor();
  await page.getByTestId('wrap-countdown').waitFor();
  await waitFor('Bob to be on the call', () => h.state(bob) === 'on_call');

  await page.getByLabel('Disposition').selectOption('follow-up');
  await page.getByLabel('Notes').fill('Sent to Bob for the quote');
  await screenshot(page, 'agent-wrap-up');
  await page.getByRole('button', { name: 'Save disposition' }).click();
  await page.getByText('Saved: follow-up').waitFor();
  const rows = (await h.service.dataSource.query('SELECT agent_id, disposition, notes FROM acd_queue_calls WHERE id = ?', [callId])) as Array<{ agent_id: number; disposition: string; notes: string }>;
  expect(rows[0]).toMatchObject({ agent_id: alice, disposition: 'follow-up', notes: 'Sent to Bob for the quote' });

  await page.getByRole('button', { name: 'End wrap-up (ready)' }).click();
  await state.filter({ hasText: /^Ready$/ }).waitFor();

  // A second call: the recording mask refused by the queue's policy shows the API's reason; Alt+X hangs up.
  const second = h.call('sales', '+14155550199');
  await banner.waitFor();
  await waitFor('the softphone to ring again', () => h.sim.softphoneAnswer('1001'));
  await page.getByRole('button', { name: /^Hang up/ }).waitFor();
  await page.getByRole('button', { name: 'Mask (pause recording)' }).click();
  await page.locator('.call-panel').getByRole('alert').waitFor();
  await page.keyboard.press('Alt+x');
  await state.filter({ hasText: 'Wrap-up' }).waitFor();
  await waitFor('the second call to end', () => !h.live().has(second));
  // The wrap-up form is for the second call now.
  await page.getByLabel('Disposition').selectOption('sale');
  await page.getByRole('button', { name: 'Save disposition' }).click();
  await page.getByText('Saved: sale').waitFor();
  expect(await h.queueCall(second)).toMatchObject({ agent_id: alice, disposition: 'sale' });
  await page.getByRole('button', { name: 'End wrap-up (ready)' }).click();
  await state.filter({ hasText: /^Ready$/ }).waitFor();

  expect(dialogs).toEqual([]);
  expect(problems).toEqual([]);
  await context.close();

  const hung = await h.api(`/api/v1/acd/agents/${bob}/call/hangup`, { method: 'POST' });
  expect(hung.status).toBe(200);
  await h.settled([alice, bob]);
  // Bob's wrap-up would otherwise run for the queue's 300 s.
  await waitFor('Bob to wrap up', () => h.state(bob) === 'wrap_up');
  h.service.acd.engine.endWrapUp(bob);
}, 120_000);

test('outbound: a manual dial, a preview lead (fields as text) dialled, and a callback in my list', async () => {
  await h.queue('outq');
  await h.consoleAgent('carol', '1003', ['outq'], { displayName: 'Carol Caller' });
  h.sim.setGatewayOutcome('+14155556001', { outcome: 'answer', ringMs: 200 });
  h.sim.setGatewayOutcome('+14155556002', { outcome: 'answer', ringMs: 200, hangupAfterMs: 800 });
  const created = await h.api('/api/v1/dialer/campaigns', { method: 'POST', json: { name: 'renewals', type: 'preview', queue: 'outq', timezone: 'UTC', ...openWindow(), settings: { amd: 'off' } } });
  expect(created.status).toBe(201);
  const campaignId = ((await created.json()) as { id: number }).id;
  const imported = await h.api(`/api/v1/dialer/campaigns/${campaignId}/leads/import`, {
    method: 'POST',
    body: `phone,name,note\n4155556002,Pat Doe,"${HOSTILE.replace('1', '2')}"\n`,
    headers: { 'content-type': 'text/csv' },
  } as RequestInit);
  expect(imported.status).toBe(200);
  expect((await h.api(`/api/v1/dialer/campaigns/${campaignId}/start`, { method: 'POST' })).status).toBe(200);

  const { page, context, problems, dialogs } = await openConsole(browser, h.url);
  await signIn(page, 'carol', USER_PASSWORD);
  await page.getByRole('button', { name: 'Log in to the ACD' }).click();
  const state = page.getByTestId('agent-state');
  await state.filter({ hasText: /^Ready$/ }).waitFor();

  // Manual dial: the agent's phone rings first, then the number; hang up from the desktop.
  await page.getByLabel('Number to dial').fill('+14155556001');
  await page.getByRole('button', { name: 'Dial', exact: true }).click();
  await waitFor('the softphone to ring for the outbound call', () => h.sim.softphoneAnswer('1003'));
  await page.getByRole('heading', { name: /Outbound call/ }).waitFor();
  await page.getByRole('button', { name: /^Hang up/ }).click();
  await state.filter({ hasText: /^Ready$/ }).waitFor();

  // Preview: the lead's fields are text; dial it.
  await page.getByRole('button', { name: 'Next preview lead' }).click();
  const card = page.getByRole('article', { name: /Lead Pat Doe/ });
  await card.getByText(HOSTILE.replace('1', '2'), { exact: true }).waitFor();
  expect(await card.locator('img').count()).toBe(0);
  await screenshot(page, 'agent-preview');
  await card.getByRole('button', { name: 'Dial lead' }).click();
  await waitFor('the softphone to ring for the lead', () => h.sim.softphoneAnswer('1003'));
  await page.getByRole('heading', { name: /Outbound call/ }).waitFor();
  // The customer hangs up; the attempt is resolved before a callback is set (resolving it clears callbacks).
  await state.filter({ hasText: /^Ready$/ }).waitFor();
  await waitFor('the preview dial to be resolved', async () => {
    const res = await h.api(`/api/v1/dialer/campaigns/${campaignId}/ledger?limit=10`);
    const items = ((await res.json()) as { items: Array<{ action: string; outcome: string | null }> }).items;
    return items.some((r) => r.action === 'dial' && r.outcome !== null);
  });

  const when = await page.evaluate(() => {
    const d = new Date(Date.now() + 86_400_000);
    const p = (n: number) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
  });
  await page.getByLabel('Call back at').fill(when);
  await page.getByRole('button', { name: 'Schedule callback' }).click();
  await page.getByText(/^Callback at /).waitFor();
  await page.getByRole('cell', { name: 'Pat Doe' }).waitFor();
  await page.getByRole('cell', { name: '+14155556002' }).waitFor();

  expect(dialogs).toEqual([]);
  expect(problems).toEqual([]);
  await context.close();
  expect((await h.api(`/api/v1/dialer/campaigns/${campaignId}/stop`, { method: 'POST' })).status).toBe(200);
}, 120_000);

test('attended transfer to a number: consult, then complete; a supervisor with an agent row gets only their own offers', async () => {
  await h.queue('att', { offerTimeoutSec: 60, wrapUpSec: 0 });
  await h.consoleAgent('dave', '1004', ['att'], { displayName: 'Dave Desk' });
  // A supervisor who is also an agent (of another queue): the console shows their own desktop and nobody else's calls.
  const supUser = await h.user('suzy', 'supervisor', 'Suzy Both');
  await h.service.acdConfig.createAgent({ user_id: supUser, extension: '1005', skills: {}, teams: [], queues: [{ queue: 'sales', tier: 1 }] });
  h.sim.registerSoftphone('1005', { manualAnswer: true });
  h.sim.setGatewayOutcome('+14155557001', { outcome: 'answer', ringMs: 200 });

  const sup = await openConsole(browser, h.url);
  await signIn(sup.page, 'suzy', USER_PASSWORD);
  await sup.page.goto(`${h.url}/#/agent`);
  await sup.page.getByRole('heading', { name: /Agent desktop/ }).waitFor();
  await sup.page.getByText('ext 1005').waitFor();

  const { page, context, problems } = await openConsole(browser, h.url);
  await signIn(page, 'dave', USER_PASSWORD);
  await page.getByRole('button', { name: 'Log in to the ACD' }).click();
  const state = page.getByTestId('agent-state');
  await state.filter({ hasText: /^Ready$/ }).waitFor();

  const callId = h.call('att', '+14155550123');
  await page.getByTestId('ringing-banner').waitFor();
  await waitFor('the softphone to ring', () => h.sim.softphoneAnswer('1004'));
  await page.getByRole('button', { name: /^Hold/ }).waitFor();
  // The supervisor's desktop saw none of it (their console gets every event; only their own count).
  expect(await sup.page.getByTestId('ringing-banner').count()).toBe(0);
  expect(await sup.page.getByRole('heading', { name: /^Call/ }).count()).toBe(0);

  await page.getByRole('button', { name: /Transfer \/ 3-way/ }).click();
  await page.getByRole('tab', { name: 'Attended transfer' }).click();
  await page.getByLabel('Phone number').fill('+14155557001');
  await page.getByRole('button', { name: 'Transfer to number' }).click();
  await page.getByText('consulting the transfer target').waitFor();
  await page.getByRole('button', { name: 'Complete transfer' }).click();
  // No wrap-up on this queue: straight back to ready, the caller is with the number.
  await state.filter({ hasText: /^Ready$/ }).waitFor();
  expect(h.live().has(callId)).toBe(true);

  expect(problems).toEqual([]);
  expect(sup.problems).toEqual([]);
  await context.close();
  await sup.context.close();
  h.sim.hangup(callId);
  await waitFor('the transferred call to end', () => !h.live().has(callId));
}, 120_000);

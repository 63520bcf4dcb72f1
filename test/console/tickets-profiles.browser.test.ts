/**
 * Tickets and caller profiles in Chromium against the service + simulator: an agent opens a ticket from the call
 * they are on (caller number, call and profile prefilled) and another from the wrap-up, one without a call, assigns,
 * comments, moves it through the workflow and reads the history; overdue tickets are flagged; a supervisor sees the
 * team's tickets and the categories read-only while an admin changes a category's SLA and deactivates one; a
 * supervisor finds a caller profile, edits it, imports a CSV with a bad row (the row's error shown) and exports.
 * Each step is checked on the page and in the API's state afterwards.
 */
import type { Browser, Page } from 'playwright-core';
import { sqlDateTime } from '../../src/db/entities/columns';
import { engines } from '../helpers/databases';
import { waitFor } from '../acd-runtime/harness';
import { downloadedText, launchBrowser, openConsole, screenshot, signIn } from './browser';
import { ADMIN_PASSWORD, ConsoleHarness, USER_PASSWORD } from './harness';

const CALLER = '+14155550142';
const HOSTILE = '<img src=x onerror=alert(1)>';

interface TicketJson {
  id: number;
  number: string;
  status: string;
  priority: string;
  category_id: number;
  subject: string;
  caller_number: string | null;
  profile_id: number | null;
  call_uuid: string | null;
  assignee_agent_id: number | null;
  assignee_team: string | null;
  created_by_name: string;
  due_at: string | null;
  overdue: boolean;
  comments: Array<{ author_name: string; body: string }>;
  history: Array<{ actor_name: string; field: string; old: string | null; new: string | null }>;
}

const h = new ConsoleHarness(engines.sqlite);
let browser: Browser;
let tina = 0;
let profileId = 0;
let callId = '';
const cat: Record<string, number> = {};
const created: Record<string, TicketJson> = {};

async function json<T>(path: string, init: RequestInit & { json?: unknown } = {}): Promise<T> {
  const res = await h.api(path, init);
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}
const ticket = (id: number) => json<TicketJson>(`/api/v1/tickets/${id}`);

/** The ticket the page says it created ("Created T-000012"), from the API. */
async function createdTicket(scope: ReturnType<Page["locator"]>): Promise<TicketJson> {
  const link = scope.getByRole('status').filter({ hasText: /Created T-\d+/ }).getByRole('link').last();
  await link.waitFor();
  const number = (await link.textContent())!;
  const found = await json<{ items: TicketJson[] }>(`/api/v1/tickets?number=${number}`);
  expect(found.items).toHaveLength(1);
  return ticket(found.items[0]!.id);
}

beforeAll(async () => {
  [browser] = await Promise.all([launchBrowser(), h.start()]);
  await h.queue('support', { offerTimeoutSec: 60, maxNoAnswer: 0, wrapUpSec: 300 });
  tina = await h.consoleAgent('tina', '1011', ['support'], { displayName: 'Tina Ticket', teams: ['care'] });
  const supId = await h.user('sue', 'supervisor', 'Sue Visor');
  expect((await h.api(`/api/v1/supervision/supervisors/${supId}/teams`, { method: 'PUT', json: { teams: ['care'] } })).status).toBe(200);
  cat.support = (await json<{ id: number }>('/api/v1/tickets/categories', { method: 'POST', json: { name: 'Support', sla: { low: 4320, normal: 1440, high: 240, urgent: 60 } } })).id;
  cat.refunds = (await json<{ id: number }>('/api/v1/tickets/categories', { method: 'POST', json: { name: 'Refunds', parent_id: cat.support, sla: { urgent: 30 } } })).id;
  cat.legacy = (await json<{ id: number }>('/api/v1/tickets/categories', { method: 'POST', json: { name: 'Legacy', sla: { normal: 600 } } })).id;
  profileId = (await json<{ id: number }>('/api/v1/profiles', { method: 'POST', json: { phone: CALLER, name: 'Pat Caller', vip_level: 2, tags: ['rider'] } })).id;
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await h.stop();
});

test('an agent opens tickets from the call and from the wrap-up, with the caller, the call and the profile', async () => {
  const { page, context, problems, dialogs } = await openConsole(browser, h.url);
  await signIn(page, 'tina', USER_PASSWORD);
  await page.getByRole('heading', { name: /Agent desktop/ }).waitFor();
  await page.getByRole('button', { name: 'Log in to the ACD' }).click();
  await page.getByTestId('agent-state').filter({ hasText: /^Ready$/ }).waitFor();

  callId = h.call('support', CALLER);
  await page.getByTestId('ringing-banner').waitFor();
  await waitFor('the softphone to ring', () => h.sim.softphoneAnswer('1011'));
  await page.getByRole('button', { name: /^Hang up/ }).waitFor();

  // On the call: the form comes prefilled with the caller's number and finds their profile.
  const callPanel = page.locator('section.call-panel');
  await callPanel.getByRole('button', { name: 'New ticket for this call' }).click();
  const form = callPanel.getByRole('form', { name: 'Ticket for this call' });
  await form.getByTestId('ticket-call-link').filter({ hasText: callId }).waitFor();
  expect(await form.getByLabel('Caller number').inputValue()).toBe(CALLER);
  await form.getByText('profile: Pat Caller (VIP 2)').waitFor();
  await form.getByLabel('Category').selectOption({ label: '\u00a0\u00a0Support › Refunds' });
  await form.getByLabel('Priority').selectOption('urgent');
  // The due time the SLA gives, before the ticket exists.
  await form.getByText('due in 30 min (SLA of Refunds)').waitFor();
  await form.getByLabel('Subject').fill('Charged twice');
  await form.getByLabel('Description').fill(`Card charged twice ${HOSTILE}`);
  await screenshot(page, 'agent-ticket-from-call');
  await form.getByRole('button', { name: 'Create ticket' }).click();
  created.fromCall = await createdTicket(callPanel);
  expect(created.fromCall).toMatchObject({ call_uuid: callId, caller_number: CALLER, profile_id: profileId, category_id: cat.refunds, priority: 'urgent', status: 'open', created_by_name: 'tina', subject: 'Charged twice' });
  expect(Date.parse(created.fromCall.due_at!) - Date.parse((created.fromCall as unknown as { created_at: string }).created_at)).toBe(30 * 60_000);

  // Hung up: the wrap-up offers a ticket for the same call, still with the caller and the profile.
  await page.getByRole('button', { name: /^Hang up/ }).click();
  const wrap = page.locator('section.wrap-up');
  await wrap.getByRole('heading', { name: /Wrap-up/ }).waitFor();
  await wrap.getByRole('button', { name: 'New ticket for this call' }).click();
  const wrapForm = wrap.getByRole('form', { name: 'Ticket for this call' });
  await wrapForm.getByTestId('ticket-call-link').filter({ hasText: callId }).waitFor();
  expect(await wrapForm.getByLabel('Caller number').inputValue()).toBe(CALLER);
  await wrapForm.getByLabel('Category').selectOption({ label: 'Support' });
  await wrapForm.getByLabel('Subject').fill('Send a new card');
  await wrapForm.getByLabel('Assignee team').fill('care');
  await wrapForm.getByRole('button', { name: 'Create ticket' }).click();
  created.fromWrap = await createdTicket(wrap);
  expect(created.fromWrap).toMatchObject({ call_uuid: callId, caller_number: CALLER, profile_id: profileId, category_id: cat.support, priority: 'normal', assignee_team: 'care' });
  await wrap.getByRole('button', { name: 'End wrap-up (ready)' }).click();
  await page.getByTestId('agent-state').filter({ hasText: /^Ready$/ }).waitFor();
  expect(dialogs).toEqual([]);
  expect(problems).toEqual([]);
  await context.close();
});

test('an agent opens a ticket without a call, assigns it, comments, moves it to resolved and reads the history', async () => {
  const { page, context, problems, dialogs } = await openConsole(browser, h.url);
  await signIn(page, 'tina', USER_PASSWORD);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Tickets' }).click();
  await page.getByRole('heading', { name: 'Tickets', level: 1 }).waitFor();
  // "My tickets" lists the tickets assigned to Tina: none yet.
  expect(await page.getByRole('tab', { name: 'My tickets' }).getAttribute('aria-selected')).toBe('true');
  await page.getByRole('heading', { name: '0 tickets' }).waitFor();
  // Everything she may see: the two she created.
  await page.getByRole('tab', { name: 'Everything I can see' }).click();
  await page.getByRole('heading', { name: '2 tickets' }).waitFor();
  await page.getByTestId(`ticket-${created.fromCall!.number}`).getByText('Charged twice').waitFor();

  await page.getByRole('button', { name: 'New ticket' }).click();
  const form = page.getByRole('form', { name: 'New ticket' });
  // The tree, indented: the parent before its child.
  const options = await form.getByLabel('Category').locator('option').allTextContents();
  expect(options).toEqual(['Legacy', 'Support', '\u00a0\u00a0Support › Refunds']);
  await form.getByLabel('Category').selectOption({ label: 'Support' });
  await form.getByLabel('Priority').selectOption('high');
  await form.getByLabel('Subject').fill('Lost umbrella');
  await form.getByLabel('Caller number').fill('(415) 555-0199');
  await form.getByRole('button', { name: 'Create ticket' }).click();

  // The new ticket's page.
  await page.getByRole('heading', { name: /T-\d+ · Lost umbrella/ }).waitFor();
  const id = Number(page.url().match(/#\/tickets\/(\d+)/)![1]);
  expect(await ticket(id)).toMatchObject({ call_uuid: null, caller_number: '+14155550199', priority: 'high', status: 'open', assignee_agent_id: null });
  await page.getByTestId('call-links').waitFor({ state: 'detached' });
  await page.getByText('Not linked to a call.').waitFor();
  const status = page.getByTestId('ticket-status');
  await status.filter({ hasText: 'Open' }).waitFor();

  // Assign it to herself and the care team.
  await page.getByLabel('Assign to agent').selectOption({ label: 'Tina Ticket (1011)' });
  await page.getByLabel('Assign to team').fill('care');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page.getByTestId('ticket-assignee').filter({ hasText: 'Tina Ticket · team care' }).waitFor();
  expect(await ticket(id)).toMatchObject({ assignee_agent_id: tina, assignee_team: 'care' });

  // Status moves: only those the workflow allows are buttons.
  const moves = page.getByTestId('status-moves');
  expect(await moves.getByRole('button').allTextContents()).toEqual(['Start work (in progress)', 'Wait on customer', 'Resolve', 'Close']);
  await moves.getByRole('button', { name: 'Start work (in progress)' }).click();
  await status.filter({ hasText: 'In progress' }).waitFor();

  await page.getByLabel('New comment').fill(`Asked the driver ${HOSTILE}`);
  await page.getByRole('button', { name: 'Add comment' }).click();
  const comments = page.getByTestId('ticket-comments');
  await comments.getByText(`Asked the driver ${HOSTILE}`).waitFor();
  await comments.getByText('tina', { exact: true }).waitFor();
  expect(await comments.locator('img').count()).toBe(0);

  await moves.getByRole('button', { name: 'Wait on customer' }).click();
  await status.filter({ hasText: 'Waiting on customer' }).waitFor();
  await moves.getByRole('button', { name: 'Resolve' }).click();
  await status.filter({ hasText: 'Resolved' }).waitFor();
  expect(await moves.getByRole('button').allTextContents()).toEqual(['Reopen', 'Close']);

  // The full history, who and what, as the API has it.
  const history = page.getByTestId('ticket-history');
  const rows = history.locator('tbody tr');
  await waitFor('the history to show every change', async () => (await rows.count()) === 6);
  const cells = await Promise.all((await rows.all()).map(async (r) => (await r.locator('td').allTextContents()).slice(1)));
  expect(cells).toEqual([
    ['tina', 'created', '–', 'Open'],
    ['tina', 'assignee agent', '–', 'Tina Ticket'],
    ['tina', 'assignee team', '–', 'care'],
    ['tina', 'status', 'Open', 'In progress'],
    ['tina', 'status', 'In progress', 'Waiting on customer'],
    ['tina', 'status', 'Waiting on customer', 'Resolved'],
  ]);
  await screenshot(page, 'ticket-view');
  const after = await ticket(id);
  expect(after).toMatchObject({ status: 'resolved', comments: [{ author_name: 'tina', body: `Asked the driver ${HOSTILE}` }] });
  expect(after.history.map((e) => [e.field, e.new])).toEqual([
    ['created', 'open'],
    ['assignee_agent_id', String(tina)],
    ['assignee_team', 'care'],
    ['status', 'in_progress'],
    ['status', 'waiting_customer'],
    ['status', 'resolved'],
  ]);

  // Back on the list: "My tickets" has it now; an overdue one is flagged in words.
  await h.service.dataSource.query('UPDATE tickets SET due_at = ? WHERE id = ?', [sqlDateTime(Date.now() - 3_600_000), created.fromWrap!.id]);
  await h.service.dataSource.query('UPDATE tickets SET assignee_agent_id = ? WHERE id = ?', [tina, created.fromWrap!.id]);
  await page.getByRole('link', { name: '← Tickets' }).click();
  await page.getByRole('heading', { name: '2 tickets' }).waitFor();
  const late = page.getByTestId(`ticket-${created.fromWrap!.number}`);
  await late.getByTestId('overdue').filter({ hasText: /overdue.*late/ }).waitFor();
  expect(await page.getByTestId(`ticket-T-${String(id).padStart(6, '0')}`).getByTestId('overdue').count()).toBe(0);
  // Search: overdue only, then by text.
  await page.getByLabel('Overdue only').check();
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('heading', { name: '1 ticket' }).waitFor();
  await page.getByRole('button', { name: 'Clear' }).click();
  await page.getByRole('tab', { name: 'Everything I can see' }).click();
  await page.getByLabel('Text').fill('umbrella');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('heading', { name: '1 ticket' }).waitFor();
  await page.getByTestId(`ticket-T-${String(id).padStart(6, '0')}`).waitFor();
  expect(dialogs).toEqual([]);
  expect(problems).toEqual([]);
  await context.close();
});

test("a supervisor sees the team's tickets and the categories; an admin changes a category's SLA and deactivates one", async () => {
  const sup = await openConsole(browser, h.url);
  await signIn(sup.page, 'sue', USER_PASSWORD);
  await sup.page.goto(`${h.url}/#/tickets`);
  // Sue supervises the care team: its tickets and its agents' tickets, not the unassigned one Tina created.
  await sup.page.getByRole('heading', { name: '2 tickets' }).waitFor();
  expect(await sup.page.getByTestId(`ticket-${created.fromCall!.number}`).count()).toBe(0);
  await sup.page.getByTestId('ticket-queues').getByRole('button', { name: 'care' }).waitFor();
  await sup.page.getByTestId(`ticket-${created.fromWrap!.number}`).getByTestId('overdue').waitFor();
  await screenshot(sup.page, 'supervisor-tickets');
  // The call's CDR, for a supervisor, on the ticket from the wrap-up.
  await sup.page.getByTestId(`ticket-${created.fromWrap!.number}`).getByRole('link').click();
  await sup.page.getByTestId('ticket-cdr').filter({ hasText: CALLER }).waitFor();
  await sup.page.getByRole('link', { name: 'caller profile', exact: true }).waitFor();
  await sup.page.goto(`${h.url}/#/admin/ticket-categories`);
  await sup.page.getByText('Only admins change categories.').waitFor();
  await sup.page.getByTestId(`sla-${cat.refunds}-high`).filter({ hasText: '4 h (inherited)' }).waitFor();
  expect(await sup.page.getByRole('button', { name: /^Edit/ }).count()).toBe(0);
  expect(sup.problems).toEqual([]);
  await sup.context.close();

  const { page, context, problems } = await openConsole(browser, h.url);
  await signIn(page, 'admin', ADMIN_PASSWORD);
  await page.goto(`${h.url}/#/admin/ticket-categories`);
  await page.getByRole('button', { name: 'Edit Refunds' }).click();
  const form = page.getByRole('form', { name: 'Edit category Refunds' });
  expect(await form.getByLabel('SLA urgent (minutes)').inputValue()).toBe('30');
  await form.getByLabel('SLA urgent (minutes)').fill('45');
  await form.getByLabel('SLA high (minutes)').fill('0');
  await form.getByRole('button', { name: 'Save category' }).click();
  // A bad value: the API's error at the field, nothing saved.
  await form.locator('.field.invalid').filter({ hasText: 'SLA high' }).waitFor();
  expect((await json<{ items: Array<{ id: number; sla: Record<string, number> }> }>('/api/v1/tickets/categories')).items.find((c) => c.id === cat.refunds)!.sla).toEqual({ urgent: 30 });
  await form.getByLabel('SLA high (minutes)').fill('120');
  await form.getByRole('button', { name: 'Save category' }).click();
  await page.getByTestId(`sla-${cat.refunds}-urgent`).filter({ hasText: '45 min' }).waitFor();
  await page.getByTestId(`sla-${cat.refunds}-high`).filter({ hasText: /^2 h$/ }).waitFor();
  const after = (await json<{ items: Array<{ id: number; sla: Record<string, number>; active: boolean }> }>('/api/v1/tickets/categories')).items;
  expect(after.find((c) => c.id === cat.refunds)!.sla).toEqual({ urgent: 45, high: 120 });

  await page.getByRole('button', { name: 'Deactivate Legacy' }).click();
  await page.getByTestId(`category-${cat.legacy}`).getByText('inactive').waitFor();
  expect((await json<{ items: Array<{ id: number; active: boolean }> }>('/api/v1/tickets/categories')).items.find((c) => c.id === cat.legacy)!.active).toBe(false);
  await screenshot(page, 'admin-ticket-categories');
  // A new ticket no longer offers it.
  await page.goto(`${h.url}/#/tickets`);
  await page.getByRole('button', { name: 'New ticket' }).click();
  const options = await page.getByRole('form', { name: 'New ticket' }).getByLabel('Category').locator('option').allTextContents();
  expect(options).toEqual(['Support', '\u00a0\u00a0Support › Refunds']);
  expect(problems).toEqual([]);
  await context.close();
});

test('a supervisor finds a caller profile, edits it, sees its calls and tickets, imports a CSV with a bad row and exports', async () => {
  const { page, context, problems, dialogs } = await openConsole(browser, h.url);
  await h.queueCall(callId);
  await signIn(page, 'sue', USER_PASSWORD);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Caller profiles' }).click();
  await page.getByLabel('Name, CRM id or number').fill('pat');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('heading', { name: '1 profile' }).waitFor();
  await page.getByRole('link', { name: CALLER }).click();
  await page.getByRole('heading', { name: /Pat Caller/ }).waitFor();
  // The call of the first test with its agent, and the caller's tickets Sue may see (not the unassigned one).
  await page.getByRole('region', { name: 'Calls' }).getByRole('cell', { name: 'Tina Ticket', exact: true }).waitFor();
  const tickets = page.getByRole('region', { name: 'Tickets' });
  await tickets.getByRole('link', { name: created.fromWrap!.number }).waitFor();
  expect(await tickets.getByRole('link', { name: created.fromCall!.number }).count()).toBe(0);

  const form = page.getByRole('form', { name: 'Edit profile' });
  await form.getByLabel('Name').fill(`Pat ${HOSTILE}`);
  await form.getByLabel('VIP level').selectOption('4');
  await form.getByLabel('Language').fill('zh-cn');
  await form.getByLabel('Tags').fill('rider, fleet');
  await form.getByLabel(/Blocked/).check();
  await form.getByLabel('Notes').fill('Prefers SMS');
  await form.getByRole('button', { name: 'Save profile' }).click();
  await form.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
  await page.getByText('VIP 4', { exact: true }).waitFor();
  expect(await json(`/api/v1/profiles/${profileId}`)).toMatchObject({ name: `Pat ${HOSTILE}`, vip_level: 4, language: 'zh-CN', tags: ['rider', 'fleet'], blocked: true, notes: 'Prefers SMS', updated_by: 'sue' });
  // A bad language: the API's reason at the field, the profile unchanged.
  await form.getByLabel('Language').fill('not a language');
  await form.getByRole('button', { name: 'Save profile' }).click();
  await form.locator('.field.invalid').filter({ hasText: 'Language' }).getByText(/BCP 47/).first().waitFor();
  expect(await json(`/api/v1/profiles/${profileId}`)).toMatchObject({ language: 'zh-CN' });
  expect(await page.locator('img').count()).toBe(0);

  // Import: one good row, one with a VIP level of 7 (shown with its line and reason), one updating Pat.
  await page.getByRole('link', { name: '← Caller profiles' }).click();
  const csv = ['phone,name,vip_level,tags', '+14155550300,Quinn New,1,fleet', '+14155550301,Bad Vip,7,', `${CALLER},Pat Again,4,rider`].join('\n');
  await page.getByLabel('Profile CSV file').setInputFiles({ name: 'profiles.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.getByRole('button', { name: 'Upload' }).click();
  const result = page.getByTestId('profile-import-result');
  await result.getByText('3 rows: 1 imported, 1 updated, 1 rejected.').waitFor();
  const bad = result.getByRole('row').filter({ hasText: 'vip_level' });
  expect((await bad.locator('td').allTextContents())[0]).toBe('3');
  expect(await bad.locator('td').nth(2).textContent()).toBe('7');
  const quinn = await json<{ items: Array<{ name: string; vip_level: number; tags: string[] }> }>('/api/v1/profiles?q=Quinn');
  expect(quinn.items).toEqual([expect.objectContaining({ name: 'Quinn New', vip_level: 1, tags: ['fleet'] })]);
  expect((await json<{ total: number }>('/api/v1/profiles?q=Bad%20Vip')).total).toBe(0);
  expect(await json(`/api/v1/profiles/${profileId}`)).toMatchObject({ name: 'Pat Again', blocked: true });
  // The list follows the import.
  await page.getByRole('heading', { name: '2 profiles' }).waitFor();

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
  expect(download.suggestedFilename()).toBe('caller-profiles.csv');
  const text = await downloadedText(download);
  expect(text.split('\n')[0]).toMatch(/^id,phone,crm_id,name,vip_level,language,tags,blocked,notes/);
  expect(text).toContain('Quinn New');
  expect(text).toContain('Pat Again');
  expect(dialogs).toEqual([]);
  expect(problems).toEqual([]);
  await context.close();
});

test('an agent reads profiles but is offered no edit, import or export', async () => {
  const { page, context, problems } = await openConsole(browser, h.url);
  await signIn(page, 'tina', USER_PASSWORD);
  await page.goto(`${h.url}/#/profiles/${profileId}`);
  await page.getByRole('heading', { name: /Pat Again/ }).waitFor();
  expect(await page.getByRole('form', { name: 'Edit profile' }).count()).toBe(0);
  await page.goto(`${h.url}/#/profiles`);
  await page.getByRole('heading', { name: '2 profiles' }).waitFor();
  await page.getByText('Agents read profiles; supervisors and admins change them.').waitFor();
  expect(await page.getByRole('button', { name: 'Export CSV' }).count()).toBe(0);
  expect(await page.getByRole('region', { name: 'Import profiles' }).count()).toBe(0);
  expect(problems).toEqual([]);
  await context.close();
});

/**
 * Admin IVR flows and dialplans in Chromium: an admin edits a flow so a menu option points to a missing node, sees
 * the error at the node (on the graph, in the problem list and on its line), fixes it, dry-runs it with digits (the
 * path), publishes it (a new version) and rolls it back (the live document is the old one again). Then a dialplan
 * edit with an XML error shown, made valid, saved, diffed and applied (each node's result shown).
 */
import type { Browser, Page } from 'playwright-core';
import { engines } from '../helpers/databases';
import { launchBrowser, openConsole, screenshot, signIn } from './browser';
import { ADMIN_PASSWORD, ConsoleHarness, USER_PASSWORD } from './harness';

const h = new ConsoleHarness(engines.sqlite);
let browser: Browser;

const FLOW = {
  formatVersion: 1,
  name: 'welcome',
  description: 'console test flow',
  timeZone: 'UTC',
  start: 'answer',
  nodes: {
    answer: { type: 'answer', next: 'menu' },
    menu: { type: 'menu', greeting: [{ kind: 'file', path: '/sounds/menu.wav' }], options: { '1': 'sales', '2': 'support' }, onTimeout: 'bye' },
    sales: { type: 'queue', queue: 'sales' },
    support: { type: 'queue', queue: 'support' },
    bye: { type: 'hangup', cause: 'NORMAL_CLEARING' },
  },
};

beforeAll(async () => {
  [browser] = await Promise.all([launchBrowser(), h.start()]);
  const res = await h.api('/api/v1/ivr/flows', { method: 'POST', json: { document: FLOW, comment: 'first version' } });
  expect(res.status).toBe(201);
  expect((await h.api('/api/v1/ivr/dids/15550001', { method: 'PUT', json: { flow: 'welcome' } })).status).toBe(200);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await h.stop();
});

/** The selected text of a textarea (typed structurally: the test code has no DOM types). */
const selectedText = (el: unknown): string => {
  const t = el as { value: string; selectionStart: number; selectionEnd: number };
  return t.value.slice(t.selectionStart, t.selectionEnd);
};
const editorText = (page: Page, label: string) => page.getByLabel(label, { exact: true }).inputValue();

test('an admin edits a flow with an error, sees it at the node, fixes it, dry-runs, publishes and rolls back', async () => {
  const { page, context, problems, dialogs } = await openConsole(browser, h.url);
  await signIn(page, 'admin', ADMIN_PASSWORD);
  await page.getByRole('link', { name: 'IVR flows' }).click();
  await page.getByRole('heading', { name: 'IVR flows' }).waitFor();
  // The list shows the flow and its DID binding.
  await page.getByRole('cell', { name: '15550001' }).first().waitFor();
  await screenshot(page, 'admin-flows-list');
  // DID bindings: bind a second DID to the flow, then unbind it (with confirmation).
  const dids = page.getByRole('region', { name: 'DID bindings' });
  await dids.getByLabel('DID', { exact: true }).fill('15550002');
  await dids.getByLabel('Runs flow').selectOption('welcome');
  await dids.getByRole('button', { name: 'Bind DID', exact: true }).click();
  await dids.getByText('DID 15550002 now runs flow welcome.').waitFor();
  await dids.getByRole('cell', { name: '15550002', exact: true }).waitFor();
  await dids.getByRole('button', { name: 'Unbind DID 15550002' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Unbind' }).click();
  await dids.getByText('DID 15550002 is unbound').waitFor();
  const bound = (await (await h.api('/api/v1/ivr/dids')).json()) as { items: Array<{ did: string }> };
  expect(bound.items.map((b) => b.did)).toEqual(['15550001']);
  await page.getByRole('link', { name: 'welcome' }).first().click();

  const editor = page.getByLabel('Flow document (JSON)', { exact: true });
  await editor.waitFor();
  await page.locator('g.fg-node[data-node="menu"]').waitFor();
  await page.getByText('(none: the flow is valid)').waitFor();
  const original = await editor.inputValue();
  expect(JSON.parse(original)).toMatchObject({ name: 'welcome', start: 'answer' });
  // The start node is marked on the graph.
  await expect(page.locator('g.fg-node[data-node="answer"]').getAttribute('class')).resolves.toContain('start');

  // 1. An error: option 2 points to a node that does not exist.
  const broken = original.replace('"2": "support"', '"2": "nowhere"');
  expect(broken).not.toBe(original);
  await editor.fill(broken);
  const errors = page.getByRole('list', { name: 'Errors' });
  await errors.getByText(/points to missing node "nowhere"/).waitFor();
  const brokenLine = broken.split('\n').findIndex((l) => l.includes('"2": "nowhere"')) + 1;
  // ... named at its node and its line, in the list ...
  const item = errors.locator('li[data-node="menu"]');
  await expect(item.textContent()).resolves.toContain(`line ${brokenLine}`);
  await expect(item.textContent()).resolves.toContain('nodes.menu.options.2');
  // ... on the graph (the menu node is in error, the missing target drawn dashed) ...
  await page.locator('g.fg-node[data-node="menu"].error').waitFor();
  await page.locator('g.fg-node[data-node="nowhere"].missing').waitFor();
  await expect(page.locator('g.fg-node[data-node="menu"]').getAttribute('aria-label')).resolves.toMatch(/1 error.*nowhere/);
  // ... and in the editor's gutter.
  await expect(page.locator('.code-editor .gutter .ln.error').first().textContent()).resolves.toBe(String(brokenLine));
  await expect(page.getByRole('button', { name: 'Publish' }).isDisabled()).resolves.toBe(true);
  // The error's line button selects the field in the text.
  await item.getByRole('button', { name: `line ${brokenLine}` }).click();
  const selected = await editor.evaluate(selectedText);
  expect(selected).toBe('"2": "nowhere"');
  await page.evaluate('window.scrollTo(0, 0)');
  await screenshot(page, 'admin-flows-error');

  // Clicking a node on the graph selects its text in the editor.
  await page.locator('g.fg-node[data-node="sales"]').click();
  const nodeText = await editor.evaluate(selectedText);
  expect(nodeText).toMatch(/^"sales": \{/);

  // A hostile queue name is drawn and listed as text, never as markup.
  await editor.fill(original.replace('"queue": "sales"', '"queue": "<img src=x onerror=alert(1)>"'));
  await page.locator('g.fg-node[data-node="sales"].error').waitFor();
  await expect(page.locator('g.fg-node[data-node="sales"] .fg-sub').textContent()).resolves.toContain('<img');
  await errors.locator('li[data-node="sales"]').waitFor();
  expect(await page.locator('img').count()).toBe(0);

  // 2. Fixed, with a new option 3.
  const fixed = original.replace('"2": "support"', '"2": "support",\n        "3": "sales"');
  await editor.fill(fixed);
  await page.getByText('(none: the flow is valid)').waitFor();
  expect(await page.locator('.fg-node.error').count()).toBe(0);

  // 3. Dry-run the draft with digits: the path goes through the menu to sales.
  await page.getByLabel('Digits').fill('3');
  await page.getByRole('button', { name: 'Dry-run' }).click();
  await page.getByTestId('dry-run-outcome').filter({ hasText: 'queue' }).waitFor();
  const path = page.getByRole('table').filter({ has: page.getByText('Path', { exact: true }) });
  for (const node of ['answer', 'menu', 'sales']) await path.getByRole('cell', { name: node, exact: true }).first().waitFor();
  await page.getByText('last action: queue sales').waitFor();
  await page.locator('g.fg-node[data-node="sales"].visited').waitFor();
  expect(await page.locator('g.fg-node[data-node="support"].visited').count()).toBe(0);
  await page.getByLabel('Comment', { exact: true }).fill('option 3 to sales');
  await page.evaluate('window.scrollTo(0, 0)');
  await screenshot(page, 'admin-flows');

  // 4. Publish: version 2 is live.
  await page.getByRole('button', { name: 'Publish' }).click();
  await page.getByText('Published version 2').waitFor();
  const live2 = (await (await h.api('/api/v1/ivr/flows/welcome')).json()) as { version: number; document: { nodes: { menu: { options: Record<string, string> } } } };
  expect(live2.version).toBe(2);
  expect(live2.document.nodes.menu.options['3']).toBe('sales');

  // 5. Versions: the diff shows the added option; roll back to version 1.
  await page.getByRole('tab', { name: 'Versions' }).click();
  const versions = page.getByRole('table', { name: 'Versions' });
  await versions.locator('tr[data-version="2"]').waitFor();
  await versions.locator('tr[data-version="1"]').waitFor();
  const diff = page.getByRole('region', { name: 'Changes from version 1 to version 2' });
  await diff.locator('.add').filter({ hasText: '"3": "sales"' }).waitFor();
  await diff.locator('.del').filter({ hasText: '"2": "support"' }).waitFor();
  await page.getByRole('button', { name: 'Roll back to version 1' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Roll back' }).click();
  await page.getByText('Rolled back: version 3 is live, with the document of version 1.').waitFor();
  await versions.locator('tr[data-version="3"]').filter({ hasText: 'live' }).waitFor();
  await versions.locator('tr[data-version="3"]').filter({ hasText: 'rollback to version 1' }).waitFor();

  const v1 = (await (await h.api('/api/v1/ivr/flows/welcome/versions/1')).json()) as { document: unknown };
  const live3 = (await (await h.api('/api/v1/ivr/flows/welcome')).json()) as { version: number; document: unknown };
  expect(live3.version).toBe(3);
  expect(live3.document).toEqual(v1.document);
  // The editor shows the rolled-back document.
  expect(JSON.parse(await editorText(page, 'Flow document (JSON)'))).toEqual(v1.document);
  const audit = (await (await h.api('/api/v1/audit?limit=50')).json()) as { items: Array<{ action: string; target_id: string }> };
  expect(audit.items.filter((a) => a.target_id === 'welcome').map((a) => a.action)).toEqual(expect.arrayContaining(['ivr_flow.update', 'ivr_flow.rollback']));

  expect(problems).toEqual([]);
  expect(dialogs).toEqual([]);
  await context.close();
});

test('an admin edits a dialplan: an XML error shown on its line, then valid, saved, diffed and applied per node', async () => {
  const { page, context, problems } = await openConsole(browser, h.url);
  await signIn(page, 'admin', ADMIN_PASSWORD);
  await page.getByRole('link', { name: 'Dialplans' }).click();
  await page.getByRole('heading', { name: 'Dialplans' }).waitFor();
  await page.getByLabel('New context').fill('console_test');
  await page.getByRole('button', { name: 'Create context' }).click();
  await page.getByRole('heading', { name: /Dialplan console_test/ }).waitFor();

  const editor = page.getByLabel('Dialplan XML', { exact: true });
  await page.getByText('Valid: 1 extension.').waitFor();
  const original = await editor.inputValue();
  expect(original).toContain('^9196$');

  // An error: a regex that does not compile.
  const broken = original.replace('^9196$', '^(9196$');
  await editor.fill(broken);
  const errors = page.getByRole('list', { name: 'Errors' });
  await errors.locator('li').first().waitFor();
  const brokenLine = broken.split('\n').findIndex((l) => l.includes('^(9196$')) + 1;
  await expect(errors.textContent()).resolves.toContain(`line ${brokenLine}`);
  await expect(errors.textContent()).resolves.toContain('echo');
  await expect(page.locator('.code-editor .gutter .ln.error').first().textContent()).resolves.toBe(String(brokenLine));
  await expect(page.getByRole('button', { name: 'Save version' }).isDisabled()).resolves.toBe(true);

  // Valid again, with another number; saved as version 2.
  await editor.fill(original.replace('^9196$', '^9197$'));
  await page.getByText('Valid: 1 extension.').waitFor();
  await page.getByLabel('Comment', { exact: true }).fill('echo on 9197');
  await page.getByRole('button', { name: 'Save version' }).click();
  await page.getByText('Saved version 2.').waitFor();

  // The diff between version 1 and 2.
  const diff = page.getByRole('region', { name: 'Changes from version 1 to version 2' });
  await diff.locator('.del').filter({ hasText: '^9196$' }).waitFor();
  await diff.locator('.add').filter({ hasText: '^9197$' }).waitFor();

  // Apply: each node's result (the simulator is sim1).
  await page.getByRole('button', { name: 'Apply to all nodes' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Apply' }).click();
  const results = page.getByRole('table', { name: 'Per-node results' });
  await results.getByRole('row').filter({ hasText: 'sim1' }).filter({ hasText: 'ok' }).waitFor();
  await page.getByText('Applied on 1 node.').waitFor();

  // Roll back to version 1: version 3 is current, with the old XML, in the editor too.
  await page.getByRole('button', { name: 'Roll back to version 1' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Roll back' }).click();
  await page.getByText('Rolled back: version 3 is current, with the XML of version 1.').waitFor();
  await expect(editor.inputValue()).resolves.toBe(original);
  const current = (await (await h.api('/api/v1/dialplans/console_test')).json()) as { version: number; xml: string };
  expect(current).toMatchObject({ version: 3, xml: original });
  await page.evaluate('window.scrollTo(0, 0)');
  await screenshot(page, 'admin-dialplans');
  expect(problems).toEqual([]);
  await context.close();
});

test('a supervisor is told the flow and dialplan pages need the admin role', async () => {
  await h.user('sup-flows', 'supervisor');
  const { page, context, problems } = await openConsole(browser, h.url);
  await signIn(page, 'sup-flows', USER_PASSWORD);
  expect(await page.getByRole('link', { name: 'IVR flows' }).count()).toBe(0);
  await page.goto('/#/admin/flows/welcome');
  await page.getByRole('alert').filter({ hasText: 'this page needs another role than supervisor' }).waitFor();
  await page.goto('/#/admin/dialplans');
  await page.getByRole('alert').filter({ hasText: 'this page needs another role than supervisor' }).waitFor();
  expect(problems).toEqual([]);
  await context.close();
});

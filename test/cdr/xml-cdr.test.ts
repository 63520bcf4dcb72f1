/**
 * mod_xml_cdr's path (POST /freeswitch/xml-cdr): every encoding FreeSWITCH 1.10 posts, the same row the event path
 * makes, one row per leg whichever path comes first, and refusals for bad credentials and bad documents.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { importCdrFiles } from '../../scripts/cdr-import';
import { engines } from '../helpers/databases';
import { AcdHarness } from '../acd-runtime/harness';
import { parseXmlCdr, xmlCdrDocument } from '../../src/cdr/xml-cdr';

const h = new AcdHarness(engines.sqlite);
let key = '';

beforeAll(async () => {
  await h.start();
  const res = await h.api('/api/v1/api-keys', { method: 'POST', json: { name: 'fs-xml-cdr', role: 'admin' } });
  key = ((await res.json()) as { key: string }).key;
}, 60_000);
afterAll(() => h.stop());

const enc = (s: string) => encodeURIComponent(s);

/** A mod_xml_cdr document shaped like FreeSWITCH 1.10's (variables url-encoded, the profile as text). */
function cdrXml(uuid: string, over: { billsec?: number; name?: string } = {}): string {
  const start = Math.floor(Date.parse('2026-12-01T10:00:00Z') / 1000);
  const billsec = over.billsec ?? 25;
  const name = over.name ?? 'Alice & Bob';
  const v: Record<string, string> = {
    direction: 'inbound',
    uuid,
    call_uuid: uuid,
    caller_id_name: name,
    caller_id_number: '+14155550100',
    destination_number: '18005550100',
    context: 'public',
    channel_name: 'sofia/external/+14155550100@203.0.113.10',
    start_epoch: String(start),
    start_uepoch: String(start * 1e6),
    answer_epoch: String(start + 5),
    answer_uepoch: String((start + 5) * 1e6),
    end_epoch: String(start + 5 + billsec),
    end_uepoch: String((start + 5 + billsec) * 1e6),
    duration: String(5 + billsec),
    billsec: String(billsec),
    hangup_cause: 'NORMAL_CLEARING',
    hangup_cause_q850: '16',
    sip_hangup_disposition: 'send_bye',
  };
  const xmlText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return [
    '<?xml version="1.0"?>',
    `<cdr core-uuid="${randomUUID()}" switchname="sim1">`,
    '  <channel_data><state>CS_REPORTING</state><direction>inbound</direction><state_number>11</state_number></channel_data>',
    `  <variables>${Object.entries(v).map(([k, x]) => `<${k}>${enc(x)}</${k}>`).join('')}</variables>`,
    '  <app_log><application app_name="park" app_data=""></application></app_log>',
    '  <callflow profile_index="1"><caller_profile>',
    `    <caller_id_name>${xmlText(name)}</caller_id_name><ani>+14155550100</ani><caller_id_number>+14155550100</caller_id_number>`,
    `    <destination_number>18005550100</destination_number><uuid>${uuid}</uuid><context>public</context>`,
    '    <chan_name>sofia/external/+14155550100@203.0.113.10</chan_name>',
    '  </caller_profile></callflow>',
    '</cdr>',
  ].join('\n');
}

const post = (body: string, contentType: string, auth = `Basic ${Buffer.from(`freeswitch:${key}`).toString('base64')}`) =>
  fetch(`${h.service.url}/freeswitch/xml-cdr?node=sim1`, { method: 'POST', headers: { 'content-type': contentType, authorization: auth }, body });

const cdrOf = async (uuid: string): Promise<Record<string, unknown> | undefined> => {
  await h.service.cdrWriter.flush();
  const res = await h.api(`/api/v1/cdrs/${uuid}`);
  return res.status === 200 ? ((await res.json()) as Record<string, unknown>) : undefined;
};

test.each([
  ['true (url-encoded form)', 'application/x-www-form-urlencoded', (x: string) => `cdr=${enc(x)}`],
  ['base64', 'application/x-www-form-base64-encoded', (x: string) => `cdr=${Buffer.from(x).toString('base64')}`],
  ['false (plain)', 'application/x-www-form-plaintext', (x: string) => `cdr=${x}`],
  ['textxml', 'text/xml', (x: string) => x],
])('encode=%s: the leg gets its row, with the fields the event path fills', async (_name, type, body) => {
  const uuid = randomUUID();
  const res = await post(body(cdrXml(uuid)), type);
  expect(res.status).toBe(200);
  expect(await cdrOf(uuid)).toMatchObject({
    uuid,
    fs_node: 'sim1',
    direction: 'inbound',
    caller_number: '+14155550100',
    caller_name: 'Alice & Bob',
    destination_number: '18005550100',
    billsec: 25,
    duration_s: 30,
    hangup_cause: 'NORMAL_CLEARING',
    hangup_cause_q850: 16,
  });
});

test('one row per leg: the event path and mod_xml_cdr both report a real call; the second is a duplicate', async () => {
  const did = await h.flow('xmlcdr', 'a', { a: { type: 'answer', next: 'b' }, b: { type: 'hangup' } });
  const uuid = h.sim.injectInboundCall({ from: '+14155550111', to: `+${did}` });
  const deadline = Date.now() + 10_000;
  while (!(await cdrOf(uuid)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const before = (await cdrOf(uuid))!;
  const duplicates = h.service.cdrWriter.stats().duplicates;
  expect((await post(`cdr=${enc(cdrXml(uuid, { billsec: 99, name: 'Someone Else' }))}`, 'application/x-www-form-urlencoded')).status).toBe(200);
  await h.service.cdrWriter.flush();
  expect(h.service.cdrWriter.stats().duplicates).toBe(duplicates + 1);
  expect(await cdrOf(uuid)).toEqual(before);
});

test('refuses missing or wrong credentials (401 with a Basic challenge), a non-admin key (403), bad documents (400)', async () => {
  const noAuth = await fetch(`${h.service.url}/freeswitch/xml-cdr`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: cdrXml(randomUUID()) });
  expect(noAuth.status).toBe(401);
  expect(noAuth.headers.get('www-authenticate')).toMatch(/^Basic /);
  expect((await post(cdrXml(randomUUID()), 'text/xml', `Basic ${Buffer.from('x:sb_wrong').toString('base64')}`)).status).toBe(401);
  const agentKey = ((await (await h.api('/api/v1/api-keys', { method: 'POST', json: { name: 'agent-key', role: 'agent' } })).json()) as { key: string }).key;
  expect((await post(cdrXml(randomUUID()), 'text/xml', `Basic ${Buffer.from(`x:${agentKey}`).toString('base64')}`)).status).toBe(403);
  for (const [body, type] of [
    ['<cdr><variables></variables></cdr>', 'text/xml'],
    ['not xml at all <', 'text/xml'],
    ['<!DOCTYPE cdr [<!ENTITY a "aaaa">]><cdr><variables><uuid>&a;</uuid></variables></cdr>', 'text/xml'],
    ['cdr=%3Ccdr', 'application/x-www-form-urlencoded'],
    [cdrXml(randomUUID()), 'application/json'],
  ] as const) {
    const res = await post(body, type);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { detail: string }).detail).toBeTruthy();
  }
});

test('variable values are url-decoded; the profile text is entity-decoded; malformed escapes stay as they are', () => {
  const { event, switchName } = parseXmlCdr(cdrXml('u-1', { name: 'Zoë 100% <VIP>' }));
  expect(switchName).toBe('sim1');
  expect(event.headers.variable_caller_id_name).toBe('Zoë 100% <VIP>');
  expect(event.headers['Caller-Caller-ID-Name']).toBe('Zoë 100% <VIP>');
  expect(parseXmlCdr('<cdr><variables><uuid>u-2</uuid><x>%E0%A4%A</x></variables></cdr>').event.headers.variable_x).toBe('%E0%A4%A');
  expect(xmlCdrDocument('application/x-www-form-plaintext', 'cdr=<cdr a="1&amp;b"/>')).toBe('<cdr a="1&amp;b"/>');
});

test('npm run cdr:import loads the files mod_xml_cdr kept in err-log-dir, once, and says which ones it could not read', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-xml-cdr-errors-'));
  try {
    const fresh = randomUUID();
    const known = randomUUID();
    expect((await post(cdrXml(known), 'text/xml')).status).toBe(200);
    await h.service.cdrWriter.flush();
    fs.writeFileSync(path.join(dir, `a_${fresh}.cdr.xml`), cdrXml(fresh));
    fs.writeFileSync(path.join(dir, `${known}.cdr.xml`), cdrXml(known));
    fs.writeFileSync(path.join(dir, 'broken.cdr.xml'), '<cdr><variables>');
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'not a cdr');
    const done = path.join(dir, 'imported');
    const summary = await importCdrFiles(h.service.dataSource, dir, { moveTo: done });
    expect(summary).toEqual({ files: 3, inserted: 1, duplicates: 1, invalid: 1, invalid_files: ['broken.cdr.xml'] });
    expect(await cdrOf(fresh)).toMatchObject({ uuid: fresh, fs_node: 'sim1', billsec: 25 });
    expect(fs.readdirSync(done).sort()).toEqual([`${known}.cdr.xml`, `a_${fresh}.cdr.xml`].sort());
    expect((await importCdrFiles(h.service.dataSource, done)).inserted).toBe(0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * The recordings API on a database with real files: who sees what (admin all, supervisors their teams' agents,
 * agents their own only when RECORDINGS_AGENT_ACCESS=true), downloads with HTTP Range, path traversal, tampering and
 * missing files, legal hold and retention (audited).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { AuditLogRow } from '../../src/db/entities/audit-log';
import { AuditLogSchema } from '../../src/db/entities/audit-log';
import type { RecordingRow } from '../../src/db/entities/recording';
import { problem, seedRecording, startRecordingApi, type RecordingTestApi } from './helpers';

interface Listed {
  total: number;
  items: Array<{ id: string; agent_id: number | null; pause_segments: unknown[]; legal_hold: boolean; status: string; integrity: string }>;
}

describe('recordings API: permissions', () => {
  let t: RecordingTestApi;
  const tok: Record<string, string> = {};
  let recRed: RecordingRow;
  let recBlue: RecordingRow;
  let recNoAgent: RecordingRow;

  beforeAll(async () => {
    t = await startRecordingApi({ agentAccess: true });
    const ada = await t.user('agent', 'ada');
    const bob = await t.user('agent', 'bob');
    const supRed = await t.user('supervisor', 'sup-red');
    const supBlue = await t.user('supervisor', 'sup-blue');
    const supNone = await t.user('supervisor', 'sup-none');
    Object.assign(tok, { ada: ada.token, bob: bob.token, supRed: supRed.token, supBlue: supBlue.token, supNone: supNone.token, admin: t.api.tokens.admin });
    const adaAgent = await t.agent(ada.id, '2001', ['red']);
    const bobAgent = await t.agent(bob.id, '2002', ['blue']);
    // Supervisors are linked to teams through the admin API.
    for (const [id, teams] of [
      [supRed.id, ['red']],
      [supBlue.id, ['blue', 'green']],
    ] as const) {
      const res = await t.fetch(`/api/v1/supervision/supervisors/${id}/teams`, { method: 'PUT', token: tok.admin, json: { teams } });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ user_id: id, extension: null, teams: [...teams].sort() });
    }
    // Only supervisors (and admins) have teams.
    expect((await t.fetch(`/api/v1/supervision/supervisors/${ada.id}/teams`, { method: 'PUT', token: tok.admin, json: { teams: ['red'] } })).status).toBe(400);
    recRed = await seedRecording(t, { agent_id: adaAgent, queue: 'sales' });
    recBlue = await seedRecording(t, { agent_id: bobAgent, queue: 'support' });
    recNoAgent = await seedRecording(t, {});
  });
  afterAll(() => t.close());

  const ids = async (token: string, query = ''): Promise<string[] | number> => {
    const res = await t.fetch(`/api/v1/recordings${query}`, { token });
    if (res.status !== 200) return res.status;
    return ((await res.json()) as Listed).items.map((i) => i.id).sort();
  };

  it('search: admin all; a supervisor the agents of their teams; an agent their own (access on)', async () => {
    expect(await ids(tok.admin!)).toEqual([recRed.id, recBlue.id, recNoAgent.id].sort());
    expect(await ids(tok.supRed!)).toEqual([recRed.id]);
    expect(await ids(tok.supBlue!)).toEqual([recBlue.id]);
    expect(await ids(tok.supNone!)).toEqual([]);
    expect(await ids(tok.ada!)).toEqual([recRed.id]);
    expect(await ids(tok.bob!)).toEqual([recBlue.id]);
    // Filters narrow within the scope; they never widen it.
    expect(await ids(tok.supRed!, `?agent_id=${recBlue.agent_id}`)).toEqual([]);
    expect(await ids(tok.admin!, '?queue=support')).toEqual([recBlue.id]);
    expect(await ids(tok.admin!, `?call_uuid=${recRed.call_uuid}`)).toEqual([recRed.id]);
    expect(await ids(tok.admin!, '?number=%2B1415*')).toHaveLength(3);
    expect(await ids(tok.admin!, '?number=%2B1999*')).toEqual([]);
  });

  it.each([
    ['get', ''],
    ['download', '/file'],
  ])('%s one: a supervisor of another team and another agent are refused (403); the right ones get it', async (_w, suffix) => {
    const get = (id: string, token: string) => t.fetch(`/api/v1/recordings/${id}${suffix}`, { token });
    expect((await get(recBlue.id, tok.supRed!)).status).toBe(403);
    expect((await problem(await get(recBlue.id, tok.supRed!))).detail).toMatch(/not of an agent you may see/);
    expect((await get(recBlue.id, tok.ada!)).status).toBe(403);
    expect((await get(recNoAgent.id, tok.supBlue!)).status).toBe(403);
    expect((await get(recRed.id, tok.supRed!)).status).toBe(200);
    expect((await get(recRed.id, tok.ada!)).status).toBe(200);
    expect((await get(recNoAgent.id, tok.admin!)).status).toBe(200);
    expect((await get('00000000-0000-4000-8000-000000000000', tok.admin!)).status).toBe(404);
  });

  it('play URL: a short-lived token opens only that recording (with Range), for a caller in scope; never another', async () => {
    const playUrl = async (id: string, token: string) => t.fetch(`/api/v1/recordings/${id}/play-url`, { method: 'POST', token });
    expect((await playUrl(recBlue.id, tok.supRed!)).status).toBe(403);
    const res = await playUrl(recRed.id, tok.supRed!);
    expect(res.status).toBe(200);
    const { url, expires_at } = (await res.json()) as { url: string; expires_at: string };
    expect(url).toMatch(new RegExp(`^/api/v1/recordings/${recRed.id}/file\\?token=`));
    expect(Date.parse(expires_at)).toBeGreaterThan(Date.now());
    // No Authorization header: the token is the credential (as for an <audio> element), and Range works.
    const whole = await t.fetch(url);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('accept-ranges')).toBe('bytes');
    const part = await t.fetch(url, { headers: { range: 'bytes=0-43' } });
    expect(part.status).toBe(206);
    expect((await part.arrayBuffer()).byteLength).toBe(44);
    // The token is for that recording only, and a forged or missing one is refused.
    const token = new URL(url, 'http://x').searchParams.get('token')!;
    expect((await t.fetch(`/api/v1/recordings/${recBlue.id}/file?token=${encodeURIComponent(token)}`)).status).toBe(401);
    expect((await t.fetch(`${url}x`)).status).toBe(401);
    expect((await t.fetch(`/api/v1/recordings/${recRed.id}/file`)).status).toBe(401);
    // The scope is checked again on use: once sup-red loses the team, the URL stops working.
    const me = (await (await t.fetch('/api/v1/auth/me', { token: tok.supRed! })).json()) as { id: number };
    expect((await t.fetch(`/api/v1/supervision/supervisors/${me.id}/teams`, { method: 'PUT', token: tok.admin, json: { teams: [] } })).status).toBe(200);
    expect((await t.fetch(url)).status).toBe(403);
    expect((await t.fetch(`/api/v1/supervision/supervisors/${me.id}/teams`, { method: 'PUT', token: tok.admin, json: { teams: ['red'] } })).status).toBe(200);
    expect((await t.fetch(url)).status).toBe(200);
    // Like a bearer token, it stops working when the user is disabled.
    expect((await t.fetch(`/api/v1/users/${me.id}`, { method: 'PATCH', token: tok.admin, json: { disabled: true } })).status).toBe(200);
    expect((await t.fetch(url)).status).toBe(401);
    expect((await t.fetch(`/api/v1/users/${me.id}`, { method: 'PATCH', token: tok.admin, json: { disabled: false } })).status).toBe(200);
  });

  it('verify: supervisors of the team and admins; agents never', async () => {
    expect((await t.fetch(`/api/v1/recordings/${recRed.id}/verify`, { method: 'POST', token: tok.ada })).status).toBe(403);
    expect((await t.fetch(`/api/v1/recordings/${recBlue.id}/verify`, { method: 'POST', token: tok.supRed })).status).toBe(403);
    const ok = await t.fetch(`/api/v1/recordings/${recRed.id}/verify`, { method: 'POST', token: tok.supRed });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ result: 'ok', sha256: recRed.sha256, recording: { id: recRed.id, integrity: 'ok' } });
  });

  it('with RECORDINGS_AGENT_ACCESS=false agents see nothing, even their own', async () => {
    const off = await startRecordingApi({ agentAccess: false });
    try {
      const u = await off.user('agent', 'carol');
      const agentId = await off.agent(u.id, '2003', ['red']);
      const own = await seedRecording(off, { agent_id: agentId });
      const list = await off.fetch('/api/v1/recordings', { token: u.token });
      expect(list.status).toBe(403);
      expect((await problem(list)).detail).toMatch(/RECORDINGS_AGENT_ACCESS/);
      expect((await off.fetch(`/api/v1/recordings/${own.id}`, { token: u.token })).status).toBe(403);
      expect((await off.fetch(`/api/v1/recordings/${own.id}/file`, { token: u.token })).status).toBe(403);
      expect((await off.fetch(`/api/v1/recordings/${own.id}`, { token: off.api.tokens.admin })).status).toBe(200);
    } finally {
      await off.close();
    }
  });
});

describe('recordings API: files', () => {
  let t: RecordingTestApi;
  let admin: string;
  beforeAll(async () => {
    t = await startRecordingApi();
    admin = t.api.tokens.admin;
  });
  afterAll(() => t.close());

  it('downloads the whole file, or byte ranges (206, Content-Range), 416 outside it, HEAD without a body', async () => {
    const rec = await seedRecording(t, {});
    const bytes = fs.readFileSync(rec.file_path);
    const full = await t.fetch(`/api/v1/recordings/${rec.id}/file`, { token: admin });
    expect(full.status).toBe(200);
    expect(full.headers.get('content-type')).toBe('audio/wav');
    expect(full.headers.get('accept-ranges')).toBe('bytes');
    expect(full.headers.get('content-length')).toBe(String(bytes.length));
    expect(full.headers.get('etag')).toBe(`"${rec.sha256}"`);
    expect(Buffer.from(await full.arrayBuffer()).equals(bytes)).toBe(true);

    const head = await t.fetch(`/api/v1/recordings/${rec.id}/file`, { token: admin, headers: { range: 'bytes=0-43' } });
    expect(head.status).toBe(206);
    expect(head.headers.get('content-range')).toBe(`bytes 0-43/${bytes.length}`);
    expect(head.headers.get('content-length')).toBe('44');
    const h = Buffer.from(await head.arrayBuffer());
    expect(h.equals(bytes.subarray(0, 44))).toBe(true);
    expect(h.toString('ascii', 0, 4)).toBe('RIFF');

    const tail = await t.fetch(`/api/v1/recordings/${rec.id}/file`, { token: admin, headers: { range: 'bytes=-100' } });
    expect(tail.status).toBe(206);
    expect(tail.headers.get('content-range')).toBe(`bytes ${bytes.length - 100}-${bytes.length - 1}/${bytes.length}`);
    expect(Buffer.from(await tail.arrayBuffer()).equals(bytes.subarray(bytes.length - 100))).toBe(true);

    const mid = await t.fetch(`/api/v1/recordings/${rec.id}/file`, { token: admin, headers: { range: `bytes=1000-` } });
    expect(mid.status).toBe(206);
    expect(Buffer.from(await mid.arrayBuffer()).equals(bytes.subarray(1000))).toBe(true);

    const beyond = await t.fetch(`/api/v1/recordings/${rec.id}/file`, { token: admin, headers: { range: `bytes=${bytes.length}-` } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe(`bytes */${bytes.length}`);
    await problem(beyond);

    const headReq = await t.fetch(`/api/v1/recordings/${rec.id}/file`, { token: admin, method: 'HEAD' });
    expect(headReq.status).toBe(200);
    expect(headReq.headers.get('content-length')).toBe(String(bytes.length));
    expect((await headReq.arrayBuffer()).byteLength).toBe(0);
  });

  it('a tampered file is refused with 409 and the row is marked; restoring it verifies again', async () => {
    const rec = await seedRecording(t, {});
    const original = fs.readFileSync(rec.file_path);
    // Served once (verified and cached), then changed in place with the same size.
    expect((await t.fetch(`/api/v1/recordings/${rec.id}/file`, { token: admin })).status).toBe(200);
    const changed = Buffer.from(original);
    changed[100] = changed[100]! ^ 0xff;
    fs.writeFileSync(rec.file_path, changed);
    fs.utimesSync(rec.file_path, new Date(), new Date(Date.now() + 5000));
    const res = await t.fetch(`/api/v1/recordings/${rec.id}/file`, { token: admin, headers: { range: 'bytes=0-10' } });
    expect(res.status).toBe(409);
    expect((await problem(res)).detail).toBe('recording file tampered (sha256 mismatch)');
    expect(await t.recordings.store.get(rec.id)).toMatchObject({ integrity: 'tampered' });
    const verify = await t.fetch(`/api/v1/recordings/${rec.id}/verify`, { method: 'POST', token: admin });
    expect(await verify.json()).toMatchObject({ result: 'tampered', recording: { integrity: 'tampered', sha256: rec.sha256 } });
    fs.writeFileSync(rec.file_path, original);
    const again = await t.fetch(`/api/v1/recordings/${rec.id}/verify`, { method: 'POST', token: admin });
    expect(await again.json()).toMatchObject({ result: 'ok', sha256: rec.sha256, recording: { integrity: 'ok' } });
    expect((await t.fetch(`/api/v1/recordings/${rec.id}/file`, { token: admin })).status).toBe(200);
    const audit = await t.api.ds.getRepository<AuditLogRow>(AuditLogSchema).find({ where: { action: 'recording.verify', target_id: rec.id } });
    expect(audit).toHaveLength(2);
  });

  it('a missing file is a 404 `recording file missing` and marks the row missing', async () => {
    const rec = await seedRecording(t, {});
    fs.rmSync(rec.file_path);
    const res = await t.fetch(`/api/v1/recordings/${rec.id}/file`, { token: admin });
    expect(res.status).toBe(404);
    expect((await problem(res)).detail).toBe('recording file missing');
    expect(await t.recordings.store.get(rec.id)).toMatchObject({ status: 'missing' });
  });

  it('path traversal: a row whose path leads outside RECORDINGS_DIR is never served', async () => {
    const secret = path.join(path.dirname(t.dir), 'secret.wav');
    fs.writeFileSync(secret, 'TOP SECRET');
    fs.mkdirSync(path.join(t.dir, 'x'), { recursive: true });
    fs.symlinkSync(secret, path.join(t.dir, 'x', 'link.wav'));
    for (const file of [secret, `${t.dir}/x/../../secret.wav`, path.join(t.dir, 'x', 'link.wav'), '/etc/passwd', 'relative.wav', t.dir]) {
      const rec = await seedRecording(t, { file_path: file, noFile: true });
      const res = await t.fetch(`/api/v1/recordings/${rec.id}/file`, { token: admin });
      expect({ file, status: res.status }).toEqual({ file, status: 404 });
      const body = await res.text();
      expect(body).not.toContain('TOP SECRET');
      expect(body).not.toContain('root:');
      expect(JSON.parse(body).detail).toBe('recording file missing');
    }
    // Ids are UUIDs: nothing else reaches the lookup.
    for (const id of ['..%2F..%2Fetc%2Fpasswd', '1', 'x'.repeat(36)]) {
      expect((await t.fetch(`/api/v1/recordings/${id}/file`, { token: admin })).status).toBe(400);
    }
  });

  it('a recording still in progress is not served; a purged one is gone', async () => {
    const live = await seedRecording(t, { status: 'recording', sha256: null, ended_at: null });
    expect((await t.fetch(`/api/v1/recordings/${live.id}/file`, { token: admin })).status).toBe(409);
    const gone = await seedRecording(t, { status: 'purged', purged_at: new Date(), noFile: true });
    const res = await t.fetch(`/api/v1/recordings/${gone.id}/file`, { token: admin });
    expect(res.status).toBe(404);
    expect((await problem(res)).detail).toMatch(/^recording purged/);
  });
});

describe('recordings API: legal hold and retention', () => {
  let t: RecordingTestApi;
  let admin: string;
  beforeAll(async () => {
    t = await startRecordingApi();
    admin = t.api.tokens.admin;
  });
  afterAll(() => t.close());

  const days = (n: number) => new Date(Date.now() - n * 86_400_000);

  it('purges exactly the expired rows not on legal hold, deletes their files, and audits each purge', async () => {
    const expiredShort = await seedRecording(t, { retention_class: 'short', started_at: days(40) });
    const heldShort = await seedRecording(t, { retention_class: 'short', started_at: days(40) });
    const recentShort = await seedRecording(t, { retention_class: 'short', started_at: days(10) });
    const standardOld = await seedRecording(t, { retention_class: 'standard', started_at: days(100) });
    const standardExpired = await seedRecording(t, { retention_class: 'standard', started_at: days(400) });
    const missingExpired = await seedRecording(t, { retention_class: 'short', started_at: days(40), status: 'missing', noFile: true });
    const stillRecording = await seedRecording(t, { retention_class: 'short', started_at: days(40), status: 'recording', ended_at: null });
    const unknownClass = await seedRecording(t, { retention_class: 'forever-ish', started_at: days(4000) });
    const purgedBefore = await seedRecording(t, { retention_class: 'short', started_at: days(40), status: 'purged', purged_at: days(5), noFile: true });

    // Legal hold through the API (admin only, audited); an unknown retention class is refused.
    expect((await t.fetch(`/api/v1/recordings/${heldShort.id}`, { method: 'PATCH', token: t.api.tokens.supervisor, json: { legal_hold: true } })).status).toBe(403);
    const held = await t.fetch(`/api/v1/recordings/${heldShort.id}`, { method: 'PATCH', token: admin, json: { legal_hold: true } });
    expect(held.status).toBe(200);
    expect(await held.json()).toMatchObject({ legal_hold: true, retention_class: 'short' });
    expect((await t.fetch(`/api/v1/recordings/${heldShort.id}`, { method: 'PATCH', token: admin, json: { retention_class: 'nope' } })).status).toBe(400);
    expect((await t.fetch(`/api/v1/recordings/${heldShort.id}`, { method: 'PATCH', token: admin, json: {} })).status).toBe(400);
    const audits = t.api.ds.getRepository<AuditLogRow>(AuditLogSchema);
    const holdAudit = await audits.find({ where: { action: 'recording.update', target_id: heldShort.id } });
    expect(holdAudit).toHaveLength(1);
    expect(holdAudit[0]).toMatchObject({ before: { legal_hold: false }, after: { legal_hold: true } });

    // Only admins run it; it needs the recording subsystem (present here).
    expect((await t.fetch('/api/v1/recordings/retention/run', { method: 'POST', token: t.api.tokens.supervisor })).status).toBe(403);
    const run = await t.fetch('/api/v1/recordings/retention/run', { method: 'POST', token: admin });
    expect(run.status).toBe(200);
    const report = (await run.json()) as { purged: string[]; errors: unknown[]; classes: Record<string, number> };
    expect(report.purged.sort()).toEqual([expiredShort.id, standardExpired.id, missingExpired.id].sort());
    expect(report.errors).toEqual([]);

    for (const r of [expiredShort, standardExpired, missingExpired]) {
      expect(fs.existsSync(r.file_path)).toBe(false);
      const row = await t.recordings.store.get(r.id);
      expect(row).toMatchObject({ status: 'purged' });
      expect(row!.purged_at).not.toBeNull();
      const a = await audits.find({ where: { action: 'recording.purge', target_id: r.id } });
      expect(a).toHaveLength(1);
      expect(a[0]).toMatchObject({ actor_type: 'system', actor_name: 'recording-retention', target_type: 'recording', after: { status: 'purged' } });
    }
    for (const r of [heldShort, recentShort, standardOld, stillRecording, unknownClass]) {
      expect(fs.existsSync(r.file_path)).toBe(true);
      expect((await t.recordings.store.get(r.id))!.status).toBe(r.status);
    }
    expect((await t.recordings.store.get(purgedBefore.id))!.purged_at!.getTime()).toBeLessThan(Date.now() - 4 * 86_400_000);
    expect(await audits.count({ where: { action: 'recording.purge' } })).toBe(3);

    // A second run finds nothing; lifting the hold lets the next run purge it.
    expect(((await (await t.fetch('/api/v1/recordings/retention/run', { method: 'POST', token: admin })).json()) as { purged: string[] }).purged).toEqual([]);
    await t.fetch(`/api/v1/recordings/${heldShort.id}`, { method: 'PATCH', token: admin, json: { legal_hold: false } });
    expect((await t.recordings.retention.runNow()).purged).toEqual([heldShort.id]);
    expect(fs.existsSync(heldShort.file_path)).toBe(false);
    // A purged recording cannot be put on hold any more.
    expect((await t.fetch(`/api/v1/recordings/${heldShort.id}`, { method: 'PATCH', token: admin, json: { legal_hold: true } })).status).toBe(409);
  });

  it('retention classes and policies are configurable (admin, audited)', async () => {
    const classes = await (await t.fetch('/api/v1/recording-retention-classes', { token: t.api.tokens.supervisor })).json();
    expect(classes).toMatchObject({ items: [{ name: 'short', days: 30 }, { name: 'standard', days: 365 }, { name: 'long', days: 2555 }] });
    expect((await t.fetch('/api/v1/recording-retention-classes/legal', { method: 'PUT', token: admin, json: { days: 3650 } })).status).toBe(200);
    const put = await t.fetch('/api/v1/recording-policies/did/18005550100', { method: 'PUT', token: admin, json: { mode: 'always', retention_class: 'legal' } });
    expect(put.status).toBe(200);
    expect(await put.json()).toMatchObject({ scope: 'did', name: '18005550100', mode: 'always', stereo: true, format: 'wav', retention_class: 'legal' });
    expect((await t.fetch('/api/v1/recording-policies/did/18005550100', { method: 'PUT', token: admin, json: { mode: 'always', retention_class: 'nope' } })).status).toBe(400);
    expect((await t.fetch('/api/v1/recording-policies/queue/-bad%0Aname', { method: 'PUT', token: admin, json: { mode: 'always' } })).status).toBe(400);
    expect((await t.fetch('/api/v1/recording-policies/team/x', { method: 'PUT', token: admin, json: { mode: 'always' } })).status).toBe(400);
    const list = (await (await t.fetch('/api/v1/recording-policies', { token: admin })).json()) as { items: unknown[] };
    expect(list.items).toHaveLength(1);
    expect((await t.fetch('/api/v1/recording-policies/did/18005550100', { method: 'DELETE', token: admin })).status).toBe(204);
    expect((await t.fetch('/api/v1/recording-policies/did/18005550100', { method: 'DELETE', token: admin })).status).toBe(404);
    const audit = await t.api.ds.getRepository<AuditLogRow>(AuditLogSchema).find({ where: { target_type: 'recording_policy' } });
    expect(audit.map((a) => a.action)).toEqual(['recording_policy.put', 'recording_policy.delete']);
  });
});

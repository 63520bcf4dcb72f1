/**
 * End to end on the simulator with the whole service and the ACD (test/acd-runtime/harness.ts), plus the recording
 * subsystem service.ts wires on it (startRecording + ApiDeps.recordings): a queue call recorded by policy,
 * paused and resumed by the agent, gives one metadata row with the right segments and a sha256 matching the stereo
 * WAV the simulator wrote; the policies never / always / on_demand (queue and DID); the IVR masks a recording while a
 * `sensitive` collect node asks for card digits; a supervisor of another team is refused.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { RecordingRow } from '../../src/db/entities/recording';
import { UserSchema, type UserRow } from '../../src/db/entities/user';
import { wavInfo, type Recordings, type RecordingView } from '../../src/recording';
import { AcdHarness, sleep, waitFor } from '../acd-runtime/harness';
import { describeEachEngine } from '../helpers/databases';

interface RecJson extends Omit<RecordingView, 'started_at' | 'ended_at'> {
  started_at: string;
  ended_at: string | null;
}

describeEachEngine('call recording end to end', (engine) => {
  // The service wires recording itself (service.ts); agents may fetch their own recordings in this suite.
  const h = new AcdHarness(engine, { env: { RECORDINGS_AGENT_ACCESS: 'true' } });
  let recordings: Recordings;
  let base = '';
  let adminToken = '';

  beforeAll(async () => {
    await h.start();
    recordings = h.service.recordings;
    base = h.service.url;
    adminToken = await login('admin', 'acd-e2e-admin-password');
  }, 30_000);

  afterAll(async () => {
    await h.stop();
  });

  async function login(username: string, password: string): Promise<string> {
    const res = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
    expect(res.status).toBe(200);
    return ((await res.json()) as { token: string }).token;
  }

  const api = (pathname: string, token: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> =>
    fetch(`${base}${pathname}`, {
      ...init,
      headers: {
        ...(init.headers as Record<string, string> | undefined),
        authorization: `Bearer ${token}`,
        ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: init.json !== undefined ? JSON.stringify(init.json) : init.body,
    });

  /** The token of an agent made by the harness (user agentN, password agent-password-123). */
  async function agentToken(agentId: number): Promise<string> {
    const userId = h.service.acdConfig.getAgent(agentId)!.user_id;
    const user = await h.service.dataSource.getRepository<UserRow>(UserSchema).findOneByOrFail({ id: userId });
    return login(user.username, 'agent-password-123');
  }

  const rowsOf = async (callUuid: string): Promise<RecordingRow[]> => recordings.store.byCall(callUuid);
  const finished = (callUuid: string) =>
    waitFor(`the finished recording of ${callUuid}`, async () => {
      const rows = await rowsOf(callUuid);
      return rows.length && rows.every((r) => r.status !== 'recording') ? rows : undefined;
    });
  const connected = (agentId: number) => waitFor(`agent ${agentId} on a call`, () => h.service.acd.legsOfAgent(agentId));

  it('a call recorded by policy, paused and resumed by the agent: one row, the right segments, a sha256 matching the stereo file, the CDR linked', async () => {
    await h.queue('rec-always', { recordingPolicy: 'always' });
    const agentId = await h.agent('4101', ['rec-always'], { answerDelayMs: 100, hangupAfterMs: 2500 });
    const token = await agentToken(agentId);
    const caller = h.call('rec-always', '+14155551212');
    await connected(agentId);
    const live = await waitFor('the policy recording', async () => (await rowsOf(caller))[0]);
    expect(live).toMatchObject({ status: 'recording', started_by: 'policy', agent_id: agentId, queue: 'rec-always', queue_call_id: caller, cdr_uuid: caller });
    await waitFor('RECORD_START', () => h.eventsOf(caller, 'RECORD_START')[0]);
    await sleep(400);
    const paused = await api('/api/v1/acd/me/call/recording/pause', token, { method: 'POST' });
    expect(paused.status).toBe(200);
    expect(((await paused.json()) as RecJson).pause_segments).toHaveLength(1);
    // Pausing twice is refused; an agent may not stop a mandatory recording.
    expect((await api('/api/v1/acd/me/call/recording/pause', token, { method: 'POST' })).status).toBe(409);
    const stop = await api('/api/v1/acd/me/call/recording/stop', token, { method: 'POST' });
    expect(stop.status).toBe(409);
    await sleep(600);
    const resumed = await api('/api/v1/acd/me/call/recording/resume', token, { method: 'POST' });
    expect(resumed.status).toBe(200);

    const [row, ...more] = await finished(caller);
    expect(more).toEqual([]);
    expect(row).toMatchObject({ status: 'finished', integrity: 'ok', format: 'wav', channels: 2, stopped_by: 'hangup', retention_class: 'standard', caller_number: '+14155551212' });
    expect(row!.file_path).toMatch(new RegExp(`/\\d{4}/\\d{2}/\\d{2}/rec-always/${caller}\\.wav$`));
    expect(row!.file_path.startsWith(recordings.dir)).toBe(true);
    const segments = JSON.parse(row!.pause_segments) as Array<{ from_ms: number; to_ms: number; by: string }>;
    expect(segments).toHaveLength(1);
    const userId = String(h.service.acdConfig.getAgent(agentId)!.user_id);
    expect(segments[0]).toMatchObject({ by: userId });
    expect(segments[0]!.from_ms).toBeGreaterThanOrEqual(300);
    expect(segments[0]!.to_ms - segments[0]!.from_ms).toBeGreaterThanOrEqual(500);
    expect(segments[0]!.to_ms - segments[0]!.from_ms).toBeLessThan(1500);

    const bytes = fs.readFileSync(row!.file_path);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(row!.sha256);
    expect(Number(row!.bytes)).toBe(bytes.length);
    const info = wavInfo(bytes)!;
    expect(info).toMatchObject({ channels: 2, sampleRate: 8000, bitsPerSample: 16 });
    // As on FreeSWITCH 1.10 (see the capture), the paused time is left out of the file and of record_ms; the
    // simulator marks where it was with 20 ms of digital silence.
    expect(Math.abs(info.durationMs - Number(row!.duration_ms))).toBeLessThan(50);
    const at = (ms: number, len = 320) => bytes.subarray(44 + ms * 32, 44 + ms * 32 + len);
    // The service times the pause by its own clock; look for the 20 ms marker within 40 ms of it.
    const near = Array.from({ length: 81 }, (_, i) => segments[0]!.from_ms - 40 + i).filter((ms) => ms >= 0);
    expect(near.some((ms) => at(ms, 32 * 5).every((b) => b === 0))).toBe(true);
    expect(at(100).some((b) => b !== 0)).toBe(true);
    const sim = h.sim.recordings().find((r) => r.path === row!.file_path)!;
    expect(sim.stereo).toBe(true);
    expect(sim.masks).toHaveLength(1);

    // The CDR of the caller leg carries the recording; the agent leg's too.
    await waitFor('cdrs.recording_id', async () => {
      await h.service.cdrWriter.flush().catch(() => undefined);
      const rows = (await h.service.dataSource.query('SELECT uuid, recording_id FROM cdrs WHERE uuid = ?', [caller])) as Array<{ recording_id: string | null }>;
      return rows[0]?.recording_id === row!.id ? true : undefined;
    });
    // service.ts forgets the link once the CDR has it.
    expect(recordings.recordingIdFor(caller)).toBeUndefined();

    // The API gives the same row, and the file with a Range request.
    const one = (await (await api(`/api/v1/recordings/${row!.id}`, adminToken)).json()) as RecJson;
    expect(one).toMatchObject({ id: row!.id, sha256: row!.sha256, pause_segments: [{ by: userId }], legal_hold: false });
    const part = await api(`/api/v1/recordings/${row!.id}/file`, adminToken, { headers: { range: 'bytes=0-43' } });
    expect(part.status).toBe(206);
    // The agent sees their own (RECORDINGS_AGENT_ACCESS on here).
    const mine = (await (await api('/api/v1/recordings', token)).json()) as { items: RecJson[] };
    expect(mine.items.map((i) => i.id)).toEqual([row!.id]);
    await h.settled([agentId]);
  }, 60_000);

  it('policies: never records nothing (and refuses a manual start), on_demand waits for someone to start, a DID policy always wins', async () => {
    await h.queue('rec-never', { recordingPolicy: 'never' });
    await h.queue('rec-demand', { recordingPolicy: 'on_demand' });
    const didAlways = await h.queue('rec-did', { recordingPolicy: 'on_demand' });
    const put = await api(`/api/v1/recording-policies/did/${didAlways}`, adminToken, { method: 'PUT', json: { mode: 'always', retention_class: 'long' } });
    expect(put.status).toBe(200);
    const a1 = await h.agent('4201', ['rec-never'], { answerDelayMs: 100, hangupAfterMs: 1500 });
    const a2 = await h.agent('4202', ['rec-demand'], { answerDelayMs: 100, hangupAfterMs: 3000 });
    const a3 = await h.agent('4203', ['rec-did'], { answerDelayMs: 100, hangupAfterMs: 1200 });

    const cNever = h.call('rec-never');
    await connected(a1);
    await sleep(300);
    expect(await rowsOf(cNever)).toEqual([]);
    const refused = await api('/api/v1/acd/me/call/recording/start', await agentToken(a1), { method: 'POST' });
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { detail: string }).detail).toMatch(/never/);

    const cDemand = h.call('rec-demand');
    await connected(a2);
    await sleep(300);
    expect(await rowsOf(cDemand)).toEqual([]);
    const t2 = await agentToken(a2);
    const started = await api('/api/v1/acd/me/call/recording/start', t2, { method: 'POST' });
    expect(started.status).toBe(200);
    const startedRow = (await started.json()) as RecJson;
    expect((await api('/api/v1/acd/me/call/recording/start', t2, { method: 'POST' })).status).toBe(409);
    await sleep(300);
    const stopped = await api('/api/v1/acd/me/call/recording/stop', t2, { method: 'POST' });
    expect(stopped.status).toBe(200);
    expect((await stopped.json()) as RecJson).toMatchObject({ id: startedRow.id, status: 'finished', integrity: 'ok' });
    const [demandRow] = await finished(cDemand);
    expect(demandRow).toMatchObject({ started_by: String(h.service.acdConfig.getAgent(a2)!.user_id), stopped_by: String(h.service.acdConfig.getAgent(a2)!.user_id) });
    // Stopped by the agent: a second start on the same call writes a second file.
    const again = await api('/api/v1/acd/me/call/recording/start', t2, { method: 'POST' });
    expect(again.status).toBe(200);
    expect(((await again.json()) as RecJson).file_path).toMatch(new RegExp(`/${cDemand}-2\\.wav$`));

    const cDid = h.call('rec-did');
    await connected(a3);
    const [didRow] = await finished(cDid);
    expect(didRow).toMatchObject({ started_by: 'policy', retention_class: 'long', did: didAlways, status: 'finished' });

    await h.settled([a1, a2, a3]);
    const rows = await finished(cDemand);
    expect(rows).toHaveLength(2);
    expect(rows.every((r) => r.status === 'finished' && !!r.sha256)).toBe(true);
    expect(await rowsOf(cNever)).toEqual([]);
  }, 60_000);

  it('a supervisor of another team is refused; the supervisor of the agent team and admins control the recording', async () => {
    await h.queue('rec-sup', { recordingPolicy: 'on_demand' });
    const agentId = await h.agent('4301', ['rec-sup'], { answerDelayMs: 100, hangupAfterMs: 4000 });
    await h.service.acdConfig.updateAgent(agentId, { teams: ['red'] });
    const users = h.service.dataSource.getRepository<UserRow>(UserSchema);
    const mk = async (name: string, teams: string[]): Promise<string> => {
      const { UserService } = await import('../../src/auth/users');
      const u = await new UserService(h.service.dataSource, { bcryptCost: 4 }).create({ username: name, password: 'supervisor-pass-123', role: 'supervisor' });
      expect((await api(`/api/v1/supervision/supervisors/${u.id}/teams`, adminToken, { method: 'PUT', json: { teams } })).status).toBe(200);
      return login(name, 'supervisor-pass-123');
    };
    const red = await mk('sup-red', ['red']);
    const blue = await mk('sup-blue', ['blue']);
    expect(await users.count()).toBeGreaterThan(2);
    const caller = h.call('rec-sup');
    const legs = await connected(agentId);
    const blueTry = await api(`/api/v1/recordings/calls/${caller}/start`, blue, { method: 'POST' });
    expect(blueTry.status).toBe(403);
    expect(((await blueTry.json()) as { detail: string }).detail).toMatch(/not in a team you supervise/);
    // The agent's leg uuid works as well as the caller's.
    const redStart = await api(`/api/v1/recordings/calls/${legs.agentUuid}/start`, red, { method: 'POST' });
    expect(redStart.status).toBe(200);
    const rec = (await redStart.json()) as RecJson;
    expect((await api(`/api/v1/recordings/calls/${caller}/pause`, blue, { method: 'POST' })).status).toBe(403);
    expect((await api(`/api/v1/recordings/calls/${caller}/pause`, red, { method: 'POST' })).status).toBe(200);
    await sleep(300);
    expect((await api(`/api/v1/recordings/calls/${caller}/resume`, adminToken, { method: 'POST' })).status).toBe(200);
    expect((await api(`/api/v1/recordings/calls/${caller}/stop`, red, { method: 'POST' })).status).toBe(200);
    expect((await api(`/api/v1/recordings/calls/${caller}/stop`, red, { method: 'POST' })).status).toBe(409);
    expect((await api('/api/v1/recordings/calls/no-such-call/start', adminToken, { method: 'POST' })).status).toBe(404);
    // Downloads follow the same rule.
    expect((await api(`/api/v1/recordings/${rec.id}/file`, blue)).status).toBe(403);
    expect((await api(`/api/v1/recordings/${rec.id}/file`, red)).status).toBe(200);
    const [row] = await finished(caller);
    expect(JSON.parse(row!.pause_segments)).toHaveLength(1);
    const audit = (await h.service.dataSource.query(`SELECT action FROM audit_log WHERE target_type = 'recording' AND target_id = ? ORDER BY id`, [rec.id])) as Array<{ action: string }>;
    expect(audit.map((a) => a.action)).toEqual(['recording.start', 'recording.pause', 'recording.resume', 'recording.stop']);
    await h.settled([agentId]);
  }, 60_000);

  it('the IVR masks a running recording while a sensitive collect node takes card digits', async () => {
    h.sim.setFileDuration('/sounds/welcome.wav', 1500);
    await h.flow('pay', 'answer', {
      answer: { type: 'answer', next: 'welcome' },
      welcome: { type: 'play', media: [{ kind: 'file', path: '/sounds/welcome.wav' }], next: 'card' },
      card: {
        type: 'collect',
        prompt: [{ kind: 'file', path: '/sounds/card.wav' }],
        minDigits: 4,
        maxDigits: 16,
        terminators: '#',
        timeoutMs: 5000,
        variable: 'card',
        sensitive: true,
        next: 'bye',
      },
      bye: { type: 'hangup' },
    });
    const caller = h.call('flow:pay');
    await waitFor('the welcome prompt', () => h.eventsOf(caller, 'PLAYBACK_START')[0]);
    const start = await api(`/api/v1/recordings/calls/${caller}/start`, adminToken, { method: 'POST' });
    expect(start.status).toBe(200);
    expect((await start.json()) as RecJson).toMatchObject({ agent_id: null, queue: null, status: 'recording' });
    await waitFor('play_and_get_digits', () => h.eventsOf(caller, 'CHANNEL_EXECUTE').find((e) => e.app === 'play_and_get_digits'));
    await sleep(200);
    h.sim.pressDigits(caller, '4111111111111111#', { intervalMs: 20 });
    const [row] = await finished(caller);
    const segments = JSON.parse(row!.pause_segments) as Array<{ by: string; from_ms: number; to_ms: number | null }>;
    expect(segments).toHaveLength(1);
    expect(segments[0]).toMatchObject({ by: 'ivr' });
    expect(segments[0]!.to_ms).not.toBeNull();
    expect(row).toMatchObject({ status: 'finished', started_by: '1', did: expect.any(String) });
    const sim = h.sim.recordings().find((r) => r.path === row!.file_path)!;
    expect(sim.masks).toHaveLength(1);
    expect(sim.masks[0]!.toMs).toBeDefined();
  }, 60_000);

  // Last in the suite: it restarts the service (h.service is a new one afterwards).
  it('a takeover: a recording still running is watched by the new instance, one whose call ended meanwhile is finished from its file', async () => {
    await h.queue('rec-tk', { recordingPolicy: 'always', wrapUpSec: 0 });
    const agents = [await h.agent('4151', ['rec-tk'], { answerDelayMs: 100, hangupAfterMs: 4000 }), await h.agent('4152', ['rec-tk'], { answerDelayMs: 100, hangupAfterMs: 4000 })];
    const callers = [h.call('rec-tk', '+14155551301'), h.call('rec-tk', '+14155551302')];
    for (const c of callers) await waitFor(`the policy recording of ${c}`, async () => ((await rowsOf(c))[0]?.status === 'recording' ? true : undefined));
    for (const c of callers) await waitFor('RECORD_START', () => h.eventsOf(c, 'RECORD_START')[0]);
    const [gone, up] = callers as [string, string];
    let downFrom = 0;
    await h.restartService(async () => {
      // While no instance runs: one call ends (FreeSWITCH closes its file), the other talks on.
      downFrom = Date.now();
      h.sim.hangup(gone);
      await waitFor('the call to end', () => !h.sim.channel(gone));
    });
    const store = h.service.recordings.store;
    const ended = await waitFor('the ended call finished by the takeover', async () => {
      const [r] = await store.byCall(gone);
      return r && r.status !== 'recording' ? r : undefined;
    });
    expect(ended).toMatchObject({ status: 'finished', integrity: 'ok', stopped_by: 'hangup' });
    const bytes = fs.readFileSync(ended.file_path);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(ended.sha256);
    expect(new Date(ended.ended_at!).getTime()).toBeGreaterThanOrEqual(new Date(ended.started_at).getTime());
    expect(new Date(ended.ended_at!).getTime()).toBeLessThanOrEqual(Date.now());
    expect(downFrom).toBeGreaterThan(0);
    // The other is the new instance's now: it can pause it, and its hangup finishes it.
    expect(h.service.recordings.service.active(up)).toMatchObject({ status: 'recording' });
    const view = await h.service.recordings.service.pause(up, { kind: 'policy' });
    expect(view.pause_segments).toHaveLength(1);
    await h.service.recordings.service.resume(up, { kind: 'policy' });
    const [row] = await waitFor('the running recording finished at its hangup', async () => {
      const rows = await store.byCall(up);
      return rows.length && rows.every((r) => r.status !== 'recording') ? rows : undefined;
    }, 15_000);
    expect(row).toMatchObject({ status: 'finished', integrity: 'ok', stopped_by: 'hangup', started_by: 'policy' });
    expect(JSON.parse(row!.pause_segments)).toHaveLength(1);
    expect(createHash('sha256').update(fs.readFileSync(row!.file_path)).digest('hex')).toBe(row!.sha256);
    await h.settled(agents);
  }, 60_000);
});

/**
 * Helpers of the recording tests: an API with the recording subsystem on a database (no FreeSWITCH: a cluster that
 * refuses every command), ACD agents in teams, supervisors linked to teams, and recording rows with real WAV files.
 */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { acdConfigStoreFor } from '../../src/acd/config-store';
import { createApp } from '../../src/api/app';
import type { RecordingRow } from '../../src/db/entities/recording';
import { silentLogger } from '../../src/log/logger';
import { startRecording, type Recordings } from '../../src/recording';
import { buildWav } from '../../src/simulator/recordings';
import { PASSWORDS, startTestApi, type TestApi } from '../api/helpers';
import { apiFetcher } from '../helpers/http';

export interface RecordingTestApi {
  api: TestApi;
  recordings: Recordings;
  dir: string;
  base: string;
  fetch(pathname: string, init?: RequestInit & { token?: string; json?: unknown }): Promise<Response>;
  /** Logs a new user in; returns its id and token. */
  user(role: 'admin' | 'supervisor' | 'agent', name: string): Promise<{ id: number; token: string }>;
  agent(userId: number, extension: string, teams: string[]): Promise<number>;
  close(): Promise<void>;
}

export const refusingCluster = {
  onEvent: () => () => undefined,
  client: () => ({ api: async () => ({ ok: false, body: '-ERR no FreeSWITCH in this test\n' }) }),
};

export async function startRecordingApi(opts: { agentAccess?: boolean } = {}): Promise<RecordingTestApi> {
  const api = await startTestApi({ env: { RECORDINGS_AGENT_ACCESS: opts.agentAccess ? 'true' : 'false' } });
  const recordings = startRecording({
    dataSource: api.ds,
    cluster: refusingCluster,
    config: api.config,
    clock: api.deps.clock,
    logger: silentLogger,
    retention: { schedule: false },
    options: { hashTries: 2, hashDelayMs: 10 },
  });
  const app = createApp({ ...api.deps, recordings });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const doFetch: RecordingTestApi['fetch'] = apiFetcher(base);
  const acd = acdConfigStoreFor(api.ds, { clock: api.deps.clock, logger: silentLogger });
  return {
    api,
    recordings,
    dir: recordings.dir,
    base,
    fetch: doFetch,
    user: async (role, name) => {
      const u = await api.users.create({ username: name, password: PASSWORDS[role], role });
      const res = await api.login(name, PASSWORDS[role]);
      return { id: u.id, token: ((await res.json()) as { token: string }).token };
    },
    agent: async (userId, extension, teams) => (await acd.createAgent({ user_id: userId, extension, skills: {}, teams, queues: [] })).id,
    close: async () => {
      await recordings.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await api.close();
    },
  };
}

/** A finished recording row with a real WAV file (1 s mono tone unless given bytes), hashed. */
export async function seedRecording(
  t: Pick<RecordingTestApi, 'recordings' | 'dir'>,
  row: Partial<RecordingRow> & { bytesOfFile?: Buffer; noFile?: boolean } = {},
): Promise<RecordingRow> {
  const id = row.id ?? randomUUID();
  const started = row.started_at ?? new Date();
  const file = row.file_path ?? path.join(t.dir, '2026', '01', '05', row.queue ?? 'direct', `${id}.wav`);
  const bytes = row.bytesOfFile ?? buildWav(1000, 1, 60, () => false);
  if (!row.noFile) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, bytes);
  }
  const { bytesOfFile: _b, noFile: _n, ...rest } = row;
  const full: RecordingRow = {
    id,
    fs_node: 'sim1',
    call_uuid: randomUUID(),
    cdr_uuid: '',
    queue_call_id: null,
    agent_id: null,
    queue: null,
    campaign: null,
    did: null,
    caller_number: '+14155550100',
    file_path: file,
    started_at: started,
    ended_at: new Date(started.getTime() + 1000),
    duration_ms: 1000,
    bytes: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    format: 'wav',
    channels: 1,
    pause_segments: '[]',
    started_by: 'policy',
    stopped_by: 'hangup',
    retention_class: 'standard',
    legal_hold: false,
    purged_at: null,
    status: 'finished',
    integrity: 'ok',
    verified_at: null,
    created_at: started,
    updated_at: started,
    ...rest,
  };
  full.cdr_uuid = full.cdr_uuid || full.call_uuid;
  await t.recordings.store.insert(full);
  return full;
}

export async function problem(res: Response): Promise<{ status: number; detail: string }> {
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  return (await res.json()) as { status: number; detail: string };
}

/**
 * Call recording: policies, start/stop/pause/resume, metadata rows with sha256, retention, integrity checks.
 * `startRecording(deps)` wires it on a running service (FreeSWITCH cluster, ACD, IVR, database); the API reaches it
 * through ApiDeps.recordings.
 */
import fs from 'node:fs';
import { RecordingRetention, type RetentionOptions } from './retention';
import { RecordingService, type RecordingDeps } from './service';
import { recordingStoreFor, type RecordingStore } from './store';
import { RecordingVerifier } from './verify';

export { RecordingService, RecordingError, type RecordingAction, type RecordingActor, type RecordingDeps, type RecordingOptions, type CallContext } from './service';
export { RecordingStore, recordingStoreFor, viewOf, type RecordingSearch, type RecordingView } from './store';
export { RecordingRetention, type RetentionOptions, type RetentionReport } from './retention';
export { RecordingVerifier, type VerifyResult } from './verify';
export { resolvePolicy, RECORDING_MODES, DEFAULT_RETENTION_CLASS, type EffectivePolicy } from './policy';
export { recordingPath, folderFor } from './naming';
export { recordingScope, scopeAllows, supervisedAgentIds, supervises, type RecordingScope } from './access';
export { resolveRecordingFile, sha256File, wavInfo, RecordingFileError } from './files';

/** A running recording subsystem. */
export interface Recordings {
  readonly service: RecordingService;
  readonly retention: RecordingRetention;
  readonly verifier: RecordingVerifier;
  readonly store: RecordingStore;
  /** RECORDINGS_DIR. */
  readonly dir: string;
  /** RECORDINGS_AGENT_ACCESS. */
  readonly agentAccess: boolean;
  /** The recording of a leg, for its CDR's recording_id (call it in the CDR listener, like acd.cdrLinkFor). */
  recordingIdFor(uuid: string): string | undefined;
  forgetLink(uuid: string): void;
  close(): Promise<void>;
}

export interface StartRecordingDeps extends RecordingDeps {
  retention?: RetentionOptions;
  /** Overrides config.recordings.agentAccess (tests). */
  agentAccess?: boolean;
}

/** Starts call recording: subscribes to FreeSWITCH, the ACD and the IVR, and schedules the retention job. */
export function startRecording(deps: StartRecordingDeps): Recordings {
  const log = deps.logger.child({ module: 'recording' });
  const dir = deps.config.recordings.dir;
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (err) {
    log.warn('RECORDINGS_DIR cannot be created here; it must be the FreeSWITCH recordings folder, mounted on this host', { dir, error: (err as Error).message });
  }
  const service = new RecordingService(deps);
  service.attach();
  const store = recordingStoreFor(deps.dataSource);
  const retention = new RecordingRetention(deps.dataSource, store, dir, deps.clock, log, deps.retention);
  retention.schedule();
  const verifier = new RecordingVerifier(store, dir, deps.clock, log);
  let closing: Promise<void> | undefined;
  return {
    service,
    retention,
    verifier,
    store,
    dir,
    agentAccess: deps.agentAccess ?? deps.config.recordings.agentAccess,
    recordingIdFor: (uuid) => service.recordingIdFor(uuid),
    forgetLink: (uuid) => service.forgetLink(uuid),
    close: () =>
      (closing ??= (async () => {
        await retention.close();
        await service.close();
      })()),
  };
}

/**
 * Demo: record every call of these queues by policy (stereo, retention class `short`), unless a policy row exists.
 */
export async function enableDemoRecording(recordings: Pick<Recordings, 'store'>, queues: readonly string[], at = new Date()): Promise<void> {
  for (const name of queues) {
    if (await recordings.store.getPolicy('queue', name)) continue;
    await recordings.store.putPolicy({ scope: 'queue', name, mode: 'always', stereo: true, format: 'wav', retention_class: 'short', updated_at: at, updated_by: 'demo' });
  }
}

/** Demo summary: re-hashes every finished recording and counts those whose file matches its stored sha256. */
export async function demoRecordingSummary(recordings: Pick<Recordings, 'store' | 'verifier'>): Promise<{ recordings: number; recordings_total: number }> {
  const { items, total } = await recordings.store.search({ status: 'finished', limit: 100_000, offset: 0 });
  let ok = 0;
  for (const row of items) if ((await recordings.verifier.check(row, { force: true })).state === 'ok') ok++;
  return { recordings: ok, recordings_total: total };
}

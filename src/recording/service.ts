/**
 * The recording runtime: starts, pauses (masks), resumes and stops FreeSWITCH recordings of calls, and keeps one
 * metadata row per recording file.
 *
 * - Policy: at an ACD `connect` effect (a queue call bridged to an agent) the policy of the call is resolved
 *   (src/recording/policy.ts); `always` starts a recording at once, started_by `policy`. Agents (their own call),
 *   supervisors and admins start/stop/pause/resume through the API; the IVR masks a running recording while a
 *   `sensitive` collect node asks for card digits (started_by / paused by `ivr`).
 * - FreeSWITCH: `uuid_setvar <caller> RECORD_STEREO true` (caller on the left channel, what they hear - the agent - on
 *   the right), then `uuid_record <caller> start <path>`; `mask` / `unmask` pause and resume (FreeSWITCH writes the
 *   masked time as silence, the file keeps its length); `stop`, or the hangup, ends it with RECORD_STOP.
 * - Finishing: on RECORD_STOP (or, if that event is lost, shortly after the channel's CHANNEL_HANGUP_COMPLETE) the
 *   file is read back from RECORDINGS_DIR (retrying briefly while shared storage catches up), hashed (sha256) and the
 *   row completed: ended_at, duration, bytes, sha256, channels, pause segments, status `finished` (or `missing`).
 * - CDR link: `recordingIdFor(uuid)` gives the recording of a leg for its CDR (the caller leg is the CDR uuid); the
 *   row is also written into cdrs.recording_id once the CDR exists.
 *
 * Commands on one call run one after another (a per-call chain), so a pause racing a stop cannot reorder.
 */
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { AcdEffect, AcdRuntimeApi, QueueConfig } from '../acd/contract';
import type { AcdConfigStoreImpl } from '../acd/config-store';
import type { Clock, ClockTimer } from '../clock/clock';
import type { Config } from '../config/config';
import type { PauseSegment, RecordingMode, RecordingRow } from '../db/entities/recording';
import type { ApiReply } from '../esl/client';
import { channelVar, header, type EslEvent } from '../esl/types';
import { uuidRecord, uuidSetVar, type FsCommand, type MediaPath } from '../freeswitch';
import type { Logger } from '../log/logger';
import { readFinishedFile } from './files';
import { recordingPath } from './naming';
import { resolvePolicy, type EffectivePolicy } from './policy';
import { recordingStoreFor, viewOf, type RecordingStore, type RecordingView } from './store';

export type RecordingAction = 'start' | 'stop' | 'pause' | 'resume';

export class RecordingError extends Error {
  constructor(
    readonly kind: 'not_found' | 'conflict' | 'unavailable',
    message: string,
  ) {
    super(message);
    this.name = 'RecordingError';
  }
}

/** Who acts: a user (id and role), the policy or the IVR. */
export type RecordingActor = { kind: 'user'; id: number; role: 'admin' | 'supervisor' | 'agent' } | { kind: 'policy' } | { kind: 'ivr' };

const actorText = (a: RecordingActor): string => (a.kind === 'user' ? String(a.id) : a.kind);

export interface RecordingCluster {
  onEvent(listener: (node: string, event: EslEvent) => void): () => void;
  client(node: string): { api(cmd: FsCommand, opts?: { timeoutMs?: number }): Promise<ApiReply> };
}

/** What the runtime needs from the ACD (AcdRuntime has all of it). */
export type RecordingAcd = AcdRuntimeApi & {
  callInfo?(callId: string): { queue?: string; callerNumber?: string } | undefined;
  queueConfig?(name: string): QueueConfig | undefined;
};

export interface RecordingDeps {
  dataSource: DataSource;
  cluster: RecordingCluster;
  acd?: RecordingAcd;
  acdConfig?: AcdConfigStoreImpl;
  /** The IVR runtime: masks recordings during `sensitive` collect nodes. */
  ivr?: { onSensitiveInput(listener: (uuid: string, active: boolean) => Promise<void> | void): () => void };
  config: Pick<Config, 'recordings'> & { freeswitch?: Pick<Config['freeswitch'], 'commandTimeoutMs'> };
  clock: Clock;
  logger: Logger;
  options?: RecordingOptions;
}

export interface RecordingOptions {
  /** Reading the finished file: tries and the pause between them (default 25 x 200 ms). */
  hashTries?: number;
  hashDelayMs?: number;
  /** How long stop() waits for RECORD_STOP before finishing anyway (default 5000 ms). */
  stopWaitMs?: number;
  /** After CHANNEL_HANGUP_COMPLETE without RECORD_STOP, finish after this long (default 1500 ms). */
  lostStopMs?: number;
}

/** A call as the recording runtime sees it. */
export interface CallContext {
  node: string;
  /** The recorded leg: the caller / customer channel. */
  callUuid: string;
  agentUuid?: string;
  agentId?: number;
  queue?: string;
  queueCallId?: string;
  did?: string;
  callerNumber?: string;
}

interface ActiveRec {
  id: string;
  ctx: CallContext;
  path: MediaPath;
  policy: EffectivePolicy;
  startedAt: number;
  segments: PauseSegment[];
  state: 'recording' | 'stopping' | 'done';
  startedBy: string;
  stoppedBy?: string;
  finished?: Promise<RecordingView | undefined>;
  resolveStopEvent?: (info: StopInfo | undefined) => void;
  lostTimer?: ClockTimer;
}

interface StopInfo {
  recordMs?: number;
  /** When the recording ended, if not now (a call that ended while no instance was connected). */
  endedAt?: number;
}

interface ChannelInfo {
  node: string;
  did?: string;
  callerNumber?: string;
  recordings: number;
}

/** The stored pause segments; a row that cannot be read keeps none rather than failing the takeover. */
function parseSegments(text: string | null | undefined): PauseSegment[] {
  try {
    const parsed = JSON.parse(text ?? '[]') as unknown;
    return Array.isArray(parsed) ? (parsed as PauseSegment[]) : [];
  } catch {
    return [];
  }
}

const MAX_LINKS = 50_000;
const MAX_CHANNELS = 100_000;

export class RecordingService {
  readonly store: RecordingStore;
  readonly dir: string;
  private readonly log: Logger;
  private readonly opts: Required<RecordingOptions>;
  private readonly commandMs: number;
  private readonly byCall = new Map<string, ActiveRec>();
  private readonly links = new Map<string, string>();
  private readonly channels = new Map<string, ChannelInfo>();
  private readonly chains = new Map<string, Promise<unknown>>();
  private readonly pending = new Set<Promise<unknown>>();
  private readonly timers = new Set<ClockTimer>();
  private unsubscribers: Array<() => void> = [];
  private closed = false;

  constructor(private readonly deps: RecordingDeps) {
    this.store = recordingStoreFor(deps.dataSource);
    this.dir = deps.config.recordings.dir;
    this.log = deps.logger.child({ module: 'recording' });
    this.opts = { hashTries: 25, hashDelayMs: 200, stopWaitMs: 5000, lostStopMs: 1500, ...deps.options };
    this.commandMs = deps.config.freeswitch?.commandTimeoutMs ?? 10_000;
  }

  /** Subscribes to FreeSWITCH events, the ACD's effects and the IVR's sensitive input. */
  attach(): void {
    if (this.unsubscribers.length || this.closed) return;
    this.unsubscribers.push(this.deps.cluster.onEvent((node, e) => this.handleEvent(node, e)));
    if (this.deps.acd) this.unsubscribers.push(this.deps.acd.onEffect((e) => this.onAcdEffect(e)));
    if (this.deps.ivr) this.unsubscribers.push(this.deps.ivr.onSensitiveInput((uuid, active) => this.ivrSensitive(uuid, active)));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const u of this.unsubscribers) u();
    this.unsubscribers = [];
    for (const t of this.timers) t.cancel();
    this.timers.clear();
    for (const rec of this.byCall.values()) {
      rec.lostTimer?.cancel();
      rec.resolveStopEvent?.(undefined);
    }
    await Promise.allSettled([...this.pending]);
  }

  /** The recording of a leg (caller or agent), for its CDR's recording_id. */
  recordingIdFor(uuid: string): string | undefined {
    return this.links.get(uuid);
  }

  /** The CDR of that leg was queued: its link can go. */
  forgetLink(uuid: string): void {
    this.links.delete(uuid);
  }

  /** The active recording of a call (caller or agent leg uuid). */
  active(uuid: string): RecordingView | undefined {
    const rec = this.activeOf(uuid);
    return rec ? this.liveView(rec) : undefined;
  }

  // ---- context and policy ---------------------------------------------------------------------------------------

  /** The call a uuid belongs to: an ACD call (caller or agent leg), else a channel seen on FreeSWITCH. */
  contextOf(uuid: string): CallContext | undefined {
    const acd = this.deps.acd;
    let legs = acd?.legsOfCall(uuid);
    if (!legs && acd) {
      for (const a of acd.engine.agents()) {
        const l = acd.legsOfAgent(a.id);
        if (l && (l.agentUuid === uuid || l.callerUuid === uuid)) {
          legs = l;
          break;
        }
      }
    }
    if (legs) {
      const ch = this.channels.get(legs.callerUuid);
      const info = acd?.callInfo?.(legs.callerUuid);
      return {
        node: legs.node,
        callUuid: legs.callerUuid,
        agentUuid: legs.agentUuid,
        agentId: legs.agentId,
        queue: legs.queue || info?.queue,
        queueCallId: acd?.legsOfCall(legs.callerUuid) ? legs.callerUuid : undefined,
        did: ch?.did,
        callerNumber: info?.callerNumber ?? ch?.callerNumber,
      };
    }
    const ch = this.channels.get(uuid);
    if (!ch) return undefined;
    return { node: ch.node, callUuid: uuid, did: ch.did, callerNumber: ch.callerNumber };
  }

  /** The agent on the call of a uuid, if any (for permission checks). */
  agentOf(uuid: string): number | undefined {
    return this.contextOf(uuid)?.agentId;
  }

  async policyFor(ctx: Pick<CallContext, 'queue' | 'did'> & { campaign?: string }): Promise<EffectivePolicy> {
    const rows = await this.store.policiesFor([
      { scope: 'did', name: ctx.did },
      { scope: 'queue', name: ctx.queue },
      { scope: 'campaign', name: ctx.campaign },
    ]);
    let queueMode: RecordingMode | undefined;
    if (ctx.queue) {
      queueMode = this.deps.acd?.queueConfig?.(ctx.queue)?.recordingPolicy ?? this.deps.acdConfig?.getQueue(ctx.queue)?.config.recordingPolicy;
    }
    return resolvePolicy({ did: ctx.did, queue: ctx.queue, campaign: ctx.campaign, queueMode, rows });
  }

  // ---- commands -------------------------------------------------------------------------------------------------

  /** Starts recording the call of `uuid` (caller or agent leg). Refused when one runs or the policy is `never`. */
  start(uuid: string, by: RecordingActor): Promise<RecordingView> {
    const ctx = this.contextOf(uuid);
    if (!ctx) return Promise.reject(new RecordingError('not_found', `no live call ${uuid}`));
    return this.chain(ctx.callUuid, () => this.doStart(ctx, by));
  }

  stop(uuid: string, by: RecordingActor): Promise<RecordingView> {
    const rec = this.activeOf(uuid);
    if (!rec) return Promise.reject(new RecordingError('conflict', 'the call is not being recorded'));
    if (rec.policy.mode === 'always' && by.kind === 'user' && by.role === 'agent') {
      return Promise.reject(new RecordingError('conflict', `recording this call is mandatory (${rec.policy.source}); pause it instead`));
    }
    return this.chain(rec.ctx.callUuid, () => this.doStop(rec, by));
  }

  pause(uuid: string, by: RecordingActor): Promise<RecordingView> {
    const rec = this.activeOf(uuid);
    if (!rec) return Promise.reject(new RecordingError('conflict', 'the call is not being recorded'));
    return this.chain(rec.ctx.callUuid, () => this.doMask(rec, true, by));
  }

  resume(uuid: string, by: RecordingActor): Promise<RecordingView> {
    const rec = this.activeOf(uuid);
    if (!rec) return Promise.reject(new RecordingError('conflict', 'the call is not being recorded'));
    return this.chain(rec.ctx.callUuid, () => this.doMask(rec, false, by));
  }

  run(action: RecordingAction, uuid: string, by: RecordingActor): Promise<RecordingView> {
    switch (action) {
      case 'start':
        return this.start(uuid, by);
      case 'stop':
        return this.stop(uuid, by);
      case 'pause':
        return this.pause(uuid, by);
      case 'resume':
        return this.resume(uuid, by);
    }
  }

  /** The IVR hook: mask a running recording while sensitive digits are collected (no recording: nothing to do). */
  async ivrSensitive(uuid: string, active: boolean): Promise<void> {
    const rec = this.activeOf(uuid);
    if (!rec || rec.state !== 'recording') return;
    const open = this.openSegment(rec);
    // Already paused (by anyone): nothing to add. Resuming only ends the IVR's own pause, never a person's.
    if (active ? open !== undefined : open?.by !== 'ivr') return;
    await this.chain(rec.ctx.callUuid, () => this.doMask(rec, active, { kind: 'ivr' })).catch((err: unknown) => {
      this.log.warn('IVR could not mask the recording', { uuid, active, error: (err as Error).message });
    });
  }

  private activeOf(uuid: string): ActiveRec | undefined {
    const direct = this.byCall.get(uuid);
    if (direct && direct.state !== 'done') return direct;
    for (const rec of this.byCall.values()) if (rec.ctx.agentUuid === uuid && rec.state !== 'done') return rec;
    return undefined;
  }

  private openSegment(rec: ActiveRec): PauseSegment | undefined {
    const last = rec.segments[rec.segments.length - 1];
    return last && last.to_ms === null ? last : undefined;
  }

  private async doStart(ctx: CallContext, by: RecordingActor): Promise<RecordingView> {
    if (this.closed) throw new RecordingError('unavailable', 'recording is shutting down');
    const existing = this.byCall.get(ctx.callUuid);
    if (existing && existing.state !== 'done') throw new RecordingError('conflict', 'the call is already being recorded');
    const policy = await this.policyFor(ctx);
    if (policy.mode === 'never') throw new RecordingError('conflict', `recording is not allowed for this call (${policy.source}: never)`);
    const ch = this.channels.get(ctx.callUuid);
    const seq = (ch?.recordings ?? 0) + 1;
    const now = this.deps.clock.now();
    const path = recordingPath(this.dir, now, ctx.queue, ctx.callUuid, seq, policy.format);
    if (ch) ch.recordings = seq;
    const id = randomUUID();
    const row: RecordingRow = {
      id,
      fs_node: ctx.node,
      call_uuid: ctx.callUuid,
      cdr_uuid: ctx.callUuid,
      queue_call_id: ctx.queueCallId ?? null,
      agent_id: ctx.agentId ?? null,
      queue: ctx.queue ?? null,
      campaign: null,
      did: ctx.did ?? null,
      caller_number: ctx.callerNumber?.slice(0, 64) ?? null,
      file_path: path,
      started_at: new Date(now),
      ended_at: null,
      duration_ms: null,
      bytes: null,
      sha256: null,
      format: policy.format,
      channels: policy.stereo ? 2 : 1,
      pause_segments: '[]',
      started_by: actorText(by),
      stopped_by: null,
      retention_class: policy.retentionClass,
      legal_hold: false,
      purged_at: null,
      status: 'recording',
      integrity: 'unverified',
      verified_at: null,
      created_at: new Date(now),
      updated_at: new Date(now),
    };
    await this.store.insert(row);
    const rec: ActiveRec = { id, ctx, path, policy, startedAt: now, segments: [], state: 'recording', startedBy: actorText(by) };
    this.byCall.set(ctx.callUuid, rec);
    try {
      const stereo = await this.api(ctx.node, uuidSetVar(ctx.callUuid, 'RECORD_STEREO', policy.stereo ? 'true' : 'false'));
      if (!stereo.ok) throw new Error(stereo.body.trim() || 'uuid_setvar refused');
      const reply = await this.api(ctx.node, uuidRecord(ctx.callUuid, 'start', path));
      if (!reply.ok) throw new Error(reply.body.trim() || 'uuid_record refused');
    } catch (err) {
      rec.state = 'done';
      if (this.byCall.get(ctx.callUuid) === rec) this.byCall.delete(ctx.callUuid);
      const at = new Date(this.deps.clock.now());
      await this.store.update(id, { status: 'failed', ended_at: at, updated_at: at });
      throw new RecordingError('conflict', `FreeSWITCH did not start the recording: ${(err as Error).message}`);
    }
    rec.startedAt = this.deps.clock.now();
    this.link(ctx.callUuid, id);
    if (ctx.agentUuid) this.link(ctx.agentUuid, id);
    this.log.info('recording started', { id, call: ctx.callUuid, agent: ctx.agentId, queue: ctx.queue, by: actorText(by), policy: policy.source });
    return this.liveView(rec);
  }

  private async doMask(rec: ActiveRec, on: boolean, by: RecordingActor): Promise<RecordingView> {
    if (rec.state !== 'recording') throw new RecordingError('conflict', 'the recording is ending');
    const open = this.openSegment(rec);
    if (on && open) throw new RecordingError('conflict', 'the recording is already paused');
    if (!on && !open) throw new RecordingError('conflict', 'the recording is not paused');
    const reply = await this.api(rec.ctx.node, uuidRecord(rec.ctx.callUuid, on ? 'mask' : 'unmask', rec.path));
    if (!reply.ok) throw new RecordingError('conflict', `FreeSWITCH refused to ${on ? 'pause' : 'resume'} the recording: ${reply.body.trim()}`);
    const now = this.deps.clock.now();
    if (on) {
      rec.segments.push({ from_ms: Math.max(0, now - rec.startedAt), to_ms: null, paused_at: new Date(now).toISOString(), resumed_at: null, by: actorText(by) });
    } else if (open) {
      open.to_ms = Math.max(open.from_ms, now - rec.startedAt);
      open.resumed_at = new Date(now).toISOString();
    }
    await this.store.update(rec.id, { pause_segments: JSON.stringify(rec.segments), updated_at: new Date(now) });
    return this.liveView(rec);
  }

  private async doStop(rec: ActiveRec, by: RecordingActor): Promise<RecordingView> {
    if (rec.state !== 'recording') {
      const done = await rec.finished;
      if (done) return done;
      throw new RecordingError('conflict', 'the recording is ending');
    }
    rec.state = 'stopping';
    rec.stoppedBy = actorText(by);
    const stopEvent = new Promise<StopInfo | undefined>((resolve) => {
      const t = this.deps.clock.setTimeout(() => {
        this.timers.delete(t);
        resolve(undefined);
      }, this.opts.stopWaitMs);
      this.timers.add(t);
      rec.resolveStopEvent = (info) => {
        t.cancel();
        this.timers.delete(t);
        rec.resolveStopEvent = undefined;
        resolve(info);
      };
    });
    let refused: string | undefined;
    try {
      const reply = await this.api(rec.ctx.node, uuidRecord(rec.ctx.callUuid, 'stop', rec.path));
      if (!reply.ok) refused = reply.body.trim();
    } catch (err) {
      refused = (err as Error).message;
    }
    // Refused: FreeSWITCH has no such recording any more (the channel is gone); finish from the file as it is.
    const info = refused === undefined ? await stopEvent : undefined;
    rec.resolveStopEvent?.(undefined);
    const view = await this.finish(rec, info);
    if (!view) throw new RecordingError('conflict', 'the recording could not be finished');
    return view;
  }

  // ---- events ---------------------------------------------------------------------------------------------------

  /** Feeds one event (subscribed through the cluster; tests may call it directly). */
  handleEvent(node: string, e: EslEvent): void {
    if (this.closed) return;
    const uuid = header(e, 'Unique-ID');
    if (!uuid) return;
    if (e.name === 'CHANNEL_HANGUP_COMPLETE') {
      this.channels.delete(uuid);
      const rec = this.byCall.get(uuid);
      if (rec && rec.state !== 'done' && !rec.lostTimer) {
        // RECORD_STOP comes before CHANNEL_HANGUP_COMPLETE; if it was lost (a reconnect), finish from the file.
        rec.lostTimer = this.deps.clock.setTimeout(() => {
          rec.lostTimer = undefined;
          if (rec.state !== 'done') this.track(this.finish(rec, undefined));
        }, this.opts.lostStopMs);
      }
      return;
    }
    let ch = this.channels.get(uuid);
    if (!ch) {
      if (this.channels.size >= MAX_CHANNELS) this.channels.delete(this.channels.keys().next().value!);
      ch = { node, recordings: 0 };
      this.channels.set(uuid, ch);
    }
    const did = channelVar(e, 'switchboard_did');
    if (did) ch.did = did.slice(0, 64);
    const num = header(e, 'Caller-Caller-ID-Number');
    if (num && !ch.callerNumber) ch.callerNumber = num.slice(0, 64);
    if (e.name === 'RECORD_STOP') {
      const rec = this.byCall.get(uuid);
      if (!rec || rec.path !== header(e, 'Record-File-Path') || rec.state === 'done') return;
      const ms = Number(channelVar(e, 'record_ms'));
      const info: StopInfo = { recordMs: Number.isFinite(ms) && ms >= 0 ? ms : undefined };
      if (rec.state === 'stopping' && rec.resolveStopEvent) rec.resolveStopEvent(info);
      else this.track(this.finish(rec, info));
    }
  }

  private onAcdEffect(effect: AcdEffect): void {
    if (effect.kind !== 'connect' || this.closed) return;
    const ctx = this.contextOf(effect.callId);
    if (!ctx) return;
    this.track(
      (async () => {
        const policy = await this.policyFor(ctx);
        if (policy.mode !== 'always') return;
        if (this.activeOf(ctx.callUuid)) return;
        await this.start(ctx.callUuid, { kind: 'policy' });
      })().catch((err: unknown) => this.log.warn('policy recording did not start', { call: effect.callId, error: (err as Error).message })),
    );
  }

  // ---- taking over ----------------------------------------------------------------------------------------------

  /**
   * Recordings another instance started on `node` (rows still `recording`) when this one takes over (a failover, a
   * restart). A call still up (`live`, from the ACD's takeover) is watched again: its RECORD_STOP or hangup finishes
   * the row as if this instance had started it, and stop / pause / resume work on it. A call gone meanwhile is
   * finished now from its file (FreeSWITCH closed it at the hangup), ended at its CDR's end when the CDR is in.
   */
  async takeOver(node: string, live: ReadonlySet<string>): Promise<{ watched: number; finished: number }> {
    let watched = 0;
    let finished = 0;
    for (const row of await this.store.openOn(node)) {
      if (this.closed) break;
      if (this.byCall.get(row.call_uuid)?.id === row.id) continue;
      const legs = this.deps.acd?.legsOfCall(row.call_uuid);
      const ctx: CallContext = {
        node,
        callUuid: row.call_uuid,
        ...(legs?.agentUuid ? { agentUuid: legs.agentUuid } : {}),
        ...(row.agent_id !== null ? { agentId: row.agent_id } : {}),
        ...(row.queue ? { queue: row.queue } : {}),
        ...(row.queue_call_id ? { queueCallId: row.queue_call_id } : {}),
        ...(row.did ? { did: row.did } : {}),
        ...(row.caller_number ? { callerNumber: row.caller_number } : {}),
      };
      const rec: ActiveRec = {
        id: row.id,
        ctx,
        path: row.file_path as MediaPath,
        policy: await this.policyFor(ctx),
        startedAt: new Date(row.started_at).getTime(),
        segments: parseSegments(row.pause_segments),
        state: 'recording',
        startedBy: row.started_by,
      };
      this.byCall.set(row.call_uuid, rec);
      if (live.has(row.call_uuid)) {
        // Their CDRs are still to come: the CDR listener gives them the recording id.
        this.links.set(row.call_uuid, row.id);
        if (ctx.agentUuid) this.links.set(ctx.agentUuid, row.id);
        watched++;
        continue;
      }
      rec.stoppedBy = 'hangup';
      // In the background: reading the file back may retry for seconds (shared storage), and the takeover waits for this.
      this.track(
        (async () => {
          const cdr = (await this.deps.dataSource.query('SELECT end_at FROM cdrs WHERE uuid = ?', [row.call_uuid])) as Array<{ end_at: Date | string | null }>;
          const end = cdr[0]?.end_at ? new Date(cdr[0].end_at).getTime() : undefined;
          await this.finish(rec, end !== undefined && Number.isFinite(end) ? { endedAt: end } : undefined);
        })().catch((err: unknown) => this.log.warn('could not finish a recording of the previous instance', { id: row.id, error: (err as Error).message })),
      );
      finished++;
    }
    if (watched + finished) this.log.info('took over the recordings of the previous instance', { node, watched, finished });
    return { watched, finished };
  }

  // ---- finishing ------------------------------------------------------------------------------------------------

  private finish(rec: ActiveRec, info: StopInfo | undefined): Promise<RecordingView | undefined> {
    rec.finished ??= this.doFinish(rec, info);
    return rec.finished;
  }

  private async doFinish(rec: ActiveRec, info: StopInfo | undefined): Promise<RecordingView | undefined> {
    rec.state = 'done';
    rec.lostTimer?.cancel();
    rec.lostTimer = undefined;
    const endedAt = Math.max(rec.startedAt, info?.endedAt ?? this.deps.clock.now());
    const open = this.openSegment(rec);
    if (open) {
      open.to_ms = Math.max(open.from_ms, endedAt - rec.startedAt);
      open.resumed_at = new Date(endedAt).toISOString();
    }
    const file = await readFinishedFile(this.dir, rec.path, { tries: this.opts.hashTries, delayMs: this.opts.hashDelayMs, clock: this.deps.clock });
    if (this.byCall.get(rec.ctx.callUuid) === rec) this.byCall.delete(rec.ctx.callUuid);
    const at = new Date(this.deps.clock.now());
    const patch: Partial<RecordingRow> = {
      ended_at: new Date(endedAt),
      duration_ms: Math.round(info?.recordMs ?? Math.max(0, endedAt - rec.startedAt)),
      pause_segments: JSON.stringify(rec.segments),
      stopped_by: rec.stoppedBy ?? 'hangup',
      updated_at: at,
    };
    if (file) {
      Object.assign(patch, { status: 'finished', bytes: file.bytes, sha256: file.sha256, integrity: 'ok', verified_at: at });
      if (file.wav) patch.channels = file.wav.channels;
    } else {
      Object.assign(patch, { status: 'missing' });
      this.log.warn('recording file not readable after the recording ended', { id: rec.id, path: rec.path });
    }
    try {
      await this.store.update(rec.id, patch);
    } catch (err) {
      this.log.error('could not store the end of a recording', { id: rec.id, error: (err as Error).message });
      return undefined;
    }
    this.log.info('recording finished', { id: rec.id, status: patch.status, bytes: patch.bytes, ms: patch.duration_ms });
    this.linkCdrs(rec);
    const row = await this.store.get(rec.id);
    return row ? viewOf(row) : undefined;
  }

  /** Writes cdrs.recording_id for the recorded legs whose CDR exists without one (now, and once more later). */
  private linkCdrs(rec: ActiveRec): void {
    const legs = [rec.ctx.callUuid, ...(rec.ctx.agentUuid ? [rec.ctx.agentUuid] : [])];
    const write = async (): Promise<void> => {
      await this.deps.dataSource.query(
        `UPDATE cdrs SET recording_id = ? WHERE recording_id IS NULL AND uuid IN (${legs.map(() => '?').join(', ')})`,
        [rec.id, ...legs],
      );
    };
    this.track(write().catch(() => undefined));
    const t = this.deps.clock.setTimeout(() => {
      this.timers.delete(t);
      if (!this.closed) this.track(write().catch(() => undefined));
    }, 3000);
    this.timers.add(t);
  }

  // ---- helpers --------------------------------------------------------------------------------------------------

  private liveView(rec: ActiveRec): RecordingView {
    const now = this.deps.clock.now();
    return {
      id: rec.id,
      fs_node: rec.ctx.node,
      call_uuid: rec.ctx.callUuid,
      cdr_uuid: rec.ctx.callUuid,
      queue_call_id: rec.ctx.queueCallId ?? null,
      agent_id: rec.ctx.agentId ?? null,
      queue: rec.ctx.queue ?? null,
      campaign: null,
      did: rec.ctx.did ?? null,
      caller_number: rec.ctx.callerNumber ?? null,
      file_path: rec.path,
      started_at: new Date(rec.startedAt),
      ended_at: null,
      duration_ms: Math.max(0, now - rec.startedAt),
      bytes: null,
      sha256: null,
      format: rec.policy.format,
      channels: rec.policy.stereo ? 2 : 1,
      pause_segments: rec.segments.map((s) => ({ ...s })),
      started_by: rec.startedBy,
      stopped_by: null,
      retention_class: rec.policy.retentionClass,
      legal_hold: false,
      purged_at: null,
      status: 'recording',
      integrity: 'unverified',
      verified_at: null,
      created_at: new Date(rec.startedAt),
      updated_at: new Date(now),
    };
  }

  private link(uuid: string, id: string): void {
    this.links.delete(uuid);
    this.links.set(uuid, id);
    if (this.links.size > MAX_LINKS) this.links.delete(this.links.keys().next().value!);
  }

  private chain<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.chains.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const settled = next.then(
      () => undefined,
      () => undefined,
    );
    this.chains.set(key, settled);
    void settled.then(() => {
      if (this.chains.get(key) === settled) this.chains.delete(key);
    });
    this.track(settled);
    return next;
  }

  private track(p: Promise<unknown>): void {
    this.pending.add(p);
    const done = (): void => void this.pending.delete(p);
    p.then(done, (err: unknown) => {
      done();
      this.log.warn('recording task failed', { error: (err as Error).message });
    });
  }

  private api(node: string, cmd: FsCommand): Promise<ApiReply> {
    try {
      return this.deps.cluster.client(node).api(cmd, { timeoutMs: this.commandMs });
    } catch (err) {
      return Promise.reject(err);
    }
  }
}

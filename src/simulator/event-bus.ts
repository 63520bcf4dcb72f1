import type { Clock } from '../clock/clock';
import { SimEvent, type RunBlock, type SimHeader } from './event';
import { HeaderRun } from './header-run';
import { localStamp, rfc822 } from './time-format';

/** Where an event was "created" in FreeSWITCH's source (Event-Calling-File/Function/Line-Number). */
export interface CallSite {
  file: string;
  func: string;
  line: number;
}

/** What an event builder may add besides its headers: blocks of shared entries (channel block, variables). */
export interface EventExtras {
  blocks: RunBlock[];
}

const HOST_HEADERS = ['Core-UUID', 'FreeSWITCH-Hostname', 'FreeSWITCH-Switchname', 'FreeSWITCH-IPv4', 'FreeSWITCH-IPv6'];

/** A consumer of events (one ESL connection). */
export interface EventSink {
  /** Cheap pre-check so the engine can skip building events nobody subscribed to. */
  wants(name: string, subclass: string | undefined): boolean;
  offer(event: SimEvent): void;
}

export interface HostIdentity {
  coreUuid: string;
  hostname: string;
  switchname: string;
  ipv4: string;
  ipv6: string;
}

/**
 * The event dispatcher (switch_event_fire): stamps base headers and a global Event-Sequence, and fans events out to
 * sinks. Sequence numbers advance even for events nobody listens to, as in FreeSWITCH (gaps in a capture are events
 * the client did not subscribe to).
 */
export class EventBus {
  private readonly sinks = new Set<EventSink>();
  private sequence: number;
  readonly counters = new Map<string, number>();
  /** Every fired event, for tests that want to inspect the model without a socket (off by default). */
  private tap?: (event: SimEvent) => void;

  constructor(
    private readonly clock: Clock,
    readonly host: HostIdentity,
    firstSequence = 1,
  ) {
    this.sequence = firstSequence;
  }

  addSink(sink: EventSink): void {
    this.sinks.add(sink);
  }

  removeSink(sink: EventSink): void {
    this.sinks.delete(sink);
  }

  setTap(tap: ((event: SimEvent) => void) | undefined): void {
    this.tap = tap;
  }

  nowUs(): number {
    return Math.round(this.clock.now() * 1000);
  }

  /** True when at least one sink (or the tap) would receive this event. */
  wanted(name: string, subclass?: string): boolean {
    if (this.tap) return true;
    for (const s of this.sinks) if (s.wants(name, subclass)) return true;
    return false;
  }

  /**
   * Creates and fires an event. `build` appends the event's own headers after the base block and is only called when
   * someone listens; it may return a body, and push blocks of shared entries on `extras.blocks`.
   */
  fire(
    name: string,
    site: CallSite,
    build: (headers: SimHeader[], extras: EventExtras) => string | void,
    subclass?: string,
  ): SimEvent | undefined {
    const seq = this.sequence++;
    const counterKey = subclass ? `${name}:${subclass}` : name;
    this.counters.set(counterKey, (this.counters.get(counterKey) ?? 0) + 1);
    if (!this.wanted(name, subclass)) return undefined;
    const nowMs = this.clock.now();
    const headers: SimHeader[] = [];
    // switch_event_create_subclass adds Event-Subclass before prep_for_delivery adds the base block.
    if (subclass) headers.push(['Event-Subclass', subclass]);
    headers.push(['Event-Name', name]);
    // The host block and the calling site never change: shared runs, encoded once (see HeaderRun).
    const extras: EventExtras = { blocks: [{ at: headers.length, runs: this.hostRuns() }] };
    extras.blocks.push({ at: headers.length, runs: this.dateRuns(nowMs) });
    headers.push(['Event-Date-Timestamp', String(Math.round(nowMs * 1000))]);
    extras.blocks.push({ at: headers.length, runs: this.siteRuns(site) });
    headers.push(['Event-Sequence', String(seq)]);
    const body = build(headers, extras);
    const event = new SimEvent(name, headers, typeof body === 'string' ? body : undefined, subclass, extras.blocks);
    this.tap?.(event);
    for (const s of this.sinks) if (s.wants(name, subclass)) s.offer(event);
    return event;
  }

  private host_?: readonly HeaderRun[];
  private readonly sites = new Map<CallSite, readonly HeaderRun[]>();
  private lastDates: { second: number; runs: readonly HeaderRun[] } = { second: NaN, runs: [] };

  private hostRuns(): readonly HeaderRun[] {
    const h = this.host;
    const flat = [h.coreUuid, h.hostname, h.switchname, h.ipv4, h.ipv6];
    return (this.host_ ??= [new HeaderRun(HOST_HEADERS.flatMap((name, i) => [name, flat[i]!]))]);
  }

  private siteRuns(site: CallSite): readonly HeaderRun[] {
    let run = this.sites.get(site);
    if (!run) {
      run = [new HeaderRun(['Event-Calling-File', site.file, 'Event-Calling-Function', site.func, 'Event-Calling-Line-Number', String(site.line)])];
      // Sites are the SITES constants (plus a few module-level ones): bounded, but guard against a caller making them.
      if (this.sites.size > 1000) this.sites.clear();
      this.sites.set(site, run);
    }
    return run;
  }

  /** Event-Date-Local / -GMT have a one-second resolution: one run a second, not two headers rendered per event. */
  private dateRuns(nowMs: number): readonly HeaderRun[] {
    const second = Math.floor(nowMs / 1000);
    if (second !== this.lastDates.second) {
      this.lastDates = { second, runs: [new HeaderRun(['Event-Date-Local', localStamp(nowMs), 'Event-Date-GMT', rfc822(nowMs)])] };
    }
    return this.lastDates.runs;
  }

  /** Fires an already-built event (sendevent). */
  fireRaw(event: SimEvent): void {
    this.sequence++;
    this.counters.set(event.name, (this.counters.get(event.name) ?? 0) + 1);
    this.tap?.(event);
    for (const s of this.sinks) if (s.wants(event.name, event.subclass)) s.offer(event);
  }

  get lastSequence(): number {
    return this.sequence - 1;
  }
}

/** Call sites copied from the captures (FreeSWITCH 1.10.12). */
export const SITES = {
  create: { file: 'switch_core_state_machine.c', func: 'switch_core_session_run', line: 626 },
  destroy: { file: 'switch_core_session.c', func: 'switch_core_session_perform_destroy', line: 1584 },
  hangup: { file: 'switch_channel.c', func: 'switch_channel_perform_hangup', line: 3445 },
  hangupComplete: { file: 'switch_core_state_machine.c', func: 'switch_core_session_reporting_state', line: 943 },
  answer: { file: 'switch_channel.c', func: 'switch_channel_perform_mark_answered', line: 3846 },
  progress: { file: 'switch_channel.c', func: 'switch_channel_perform_mark_ring_ready_value', line: 3540 },
  progressMedia: { file: 'switch_channel.c', func: 'switch_channel_perform_mark_pre_answered', line: 3747 },
  execute: { file: 'switch_core_session.c', func: 'switch_core_session_exec', line: 2944 },
  executeComplete: { file: 'switch_core_session.c', func: 'switch_core_session_exec', line: 2967 },
  park: { file: 'switch_ivr.c', func: 'switch_ivr_park', line: 1002 },
  unpark: { file: 'switch_ivr.c', func: 'switch_ivr_park', line: 1213 },
  bridge: { file: 'switch_ivr_bridge.c', func: 'switch_ivr_multi_threaded_bridge', line: 1689 },
  unbridge: { file: 'switch_ivr_bridge.c', func: 'switch_ivr_multi_threaded_bridge', line: 1879 },
  uuidBridgeExecA: { file: 'switch_ivr_bridge.c', func: 'uuid_bridge_on_soft_execute', line: 1236 },
  uuidBridgeExecB: { file: 'switch_ivr_bridge.c', func: 'uuid_bridge_on_soft_execute', line: 1243 },
  hold: { file: 'switch_ivr.c', func: 'switch_ivr_hold', line: 1558 },
  unhold: { file: 'switch_ivr.c', func: 'switch_ivr_unhold', line: 1601 },
  dtmf: { file: 'switch_channel.c', func: 'switch_channel_dequeue_dtmf', line: 677 },
  playbackStart: { file: 'switch_ivr_play_say.c', func: 'switch_ivr_play_file', line: 1646 },
  playbackStop: { file: 'switch_ivr_play_say.c', func: 'switch_ivr_play_file', line: 2020 },
  recordStart: { file: 'switch_ivr_async.c', func: 'record_callback', line: 1481 },
  recordStop: { file: 'switch_ivr_async.c', func: 'send_record_stop_event', line: 1240 },
  backgroundJob: { file: 'mod_event_socket.c', func: 'api_exec', line: 1572 },
  heartbeat: { file: 'switch_core.c', func: 'send_heartbeat', line: 95 },
  state: { file: 'switch_channel.c', func: 'switch_channel_perform_set_running_state', line: 2432 },
  callstate: { file: 'switch_channel.c', func: 'switch_channel_perform_set_callstate', line: 325 },
  sofiaRegister: { file: 'sofia_reg.c', func: 'sofia_reg_handle_register_token', line: 2140 },
  sofiaUnregister: { file: 'sofia_reg.c', func: 'sofia_reg_del_call_back', line: 1212 },
  avmd: { file: 'mod_avmd.c', func: 'avmd_fire_event', line: 1018 },
  sendevent: { file: 'mod_event_socket.c', func: 'parse_command', line: 2164 },
} satisfies Record<string, CallSite>;

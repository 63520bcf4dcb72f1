import { toCause } from './causes';
import type { Channel } from './channel';
import type { CallEngine } from './engine';
import { SimEvent, type SimHeader } from './event';
import { SITES, type HostIdentity } from './event-bus';
import { apiArgv, atoi, setChannelVariable, uuidSetvarArgs, uuidSetvarMultiArgs } from './fs-parse';
import { originateApi, type DialEnv } from './originate';
import { conferenceApi } from './conference';
import type { Softphones } from './softphones';
import { localStamp, uptimeText } from './time-format';

/** Everything API commands can reach. */
export interface ApiEnv {
  engine: CallEngine;
  dial: DialEnv;
  softphones: Softphones;
  host: HostIdentity;
  /** switch.conf.xml api-expansion, live (fsctl api_expansion). */
  apiExpansion(): boolean;
  setApiExpansion(on: boolean): void;
  /** Commands the `system` API was asked to run (recorded; only `echo` is answered, nothing is run). */
  systemCommands: string[];
  /** Loaded modules (module_exists). */
  modules: ReadonlySet<string>;
  /** Global variables (global_getvar / global_setvar). */
  globals: Map<string, string>;
  version: string;
  /** `reload mod_event_socket`: every ESL connection is cut (the module's listeners die with it) and it listens again. */
  reloadEventSocket(): void;
  /**
   * `fsctl shutdown restart`: every call is hung up (SYSTEM_SHUTDOWN), the process goes away (every ESL connection
   * cut, nothing listening) and comes back after the simulator's restart time with no channel.
   */
  restart(): void;
}

/**
 * An API command: calls `done` once with its output (synchronously unless it has to wait, like originate). `args` is
 * the argument as switch_api_execute hands it over (whitespace-stripped); each command splits it the way its
 * mod_commands function does (src/simulator/fs-parse.ts).
 */
export type ApiHandler = (env: ApiEnv, args: string, done: (out: string) => void) => void;

const NO_CHANNEL = '-ERR No such channel!\n';
const sync =
  (fn: (env: ApiEnv, args: string) => string): ApiHandler =>
  (env, args, done) =>
    done(fn(env, args));

/**
 * Modules the captured FreeSWITCH had loaded (module_exists answers true for these): a stock 1.10 build, so no
 * mod_amd (a third-party module). SimulatorOptions.modules replaces the list.
 */
export const STOCK_MODULES: readonly string[] = Object.freeze([
  'mod_sofia',
  'mod_loopback',
  'mod_commands',
  'mod_dptools',
  'mod_event_socket',
  'mod_callcenter',
  'mod_dialplan_xml',
  'mod_sndfile',
  'mod_native_file',
  'mod_local_stream',
  'mod_tone_stream',
  'mod_console',
  'mod_logfile',
  'mod_avmd',
  'mod_db',
  'mod_hash',
  'mod_conference',
  'mod_fifo',
  'mod_voicemail',
  'mod_expr',
  'mod_esf',
  'mod_spandsp',
  'mod_opus',
  'mod_g723_1',
  'mod_g729',
  'mod_amr',
  'mod_b64',
  'mod_say_en',
  'mod_cdr_csv',
  'mod_httapi',
  'mod_valet_parking',
  'mod_lua',
]);

function withChannel(env: ApiEnv, uuid: string | undefined, fn: (ch: Channel) => string, missing = NO_CHANNEL): string {
  const ch = env.engine.get(uuid);
  if (!ch || !ch.isUp) return missing;
  return fn(ch);
}

/** `show channels as json` rows, with the channels table's column names and order. */
function channelRow(env: ApiEnv, ch: Channel): Record<string, string> {
  const p = ch.profile;
  const v = ch.vars;
  const createdMs = Math.floor(p.times.created / 1000);
  return {
    uuid: ch.uuid,
    direction: ch.direction,
    created: localStamp(createdMs),
    created_epoch: String(Math.floor(createdMs / 1000)),
    name: ch.name,
    state: ch.runningState,
    cid_name: p.callerIdName,
    cid_num: p.callerIdNumber,
    ip_addr: v.get('sip_network_ip') ?? '',
    dest: p.destinationNumber,
    application: v.get('current_application') ?? '',
    application_data: v.get('current_application_data') ?? '',
    dialplan: p.dialplan,
    context: p.context,
    read_codec: ch.codec?.name ?? '',
    read_rate: ch.codec?.rate ?? '',
    read_bit_rate: ch.codec?.bitRate ?? '',
    write_codec: ch.codec?.name ?? '',
    write_rate: ch.codec?.rate ?? '',
    write_bit_rate: ch.codec?.bitRate ?? '',
    secure: '',
    hostname: env.host.hostname,
    presence_id: v.get('presence_id') ?? '',
    presence_data: '',
    accountcode: v.get('accountcode') ?? '',
    callstate: ch.callState,
    callee_name: p.calleeIdName,
    callee_num: p.calleeIdNumber,
    callee_direction: ch.bridgedTo ? 'SEND' : '',
    call_uuid: ch.bridgedTo ?? '',
    sent_callee_name: v.get('last_sent_callee_id_name') ?? '',
    sent_callee_num: v.get('last_sent_callee_id_number') ?? '',
    initial_cid_name: p.origCallerIdName || p.callerIdName,
    initial_cid_num: p.origCallerIdNumber || p.callerIdNumber,
    initial_ip_addr: v.get('sip_network_ip') ?? '',
    initial_dest: v.get('original_destination_number') ?? p.destinationNumber,
    initial_dialplan: p.dialplan,
    initial_context: p.context,
  };
}

/** A `show` query's rows as mod_commands prints them: `as json`, else CSV with a `N total.` line. */
function showRows(rows: ReadonlyArray<Record<string, string>>, fmt: string): string {
  if (fmt === 'json') {
    // FS prints exactly this when the query returns nothing (see api-basics), else cJSON_PrintUnformatted.
    if (!rows.length) return '{"row_count": 0}\n';
    return JSON.stringify({ row_count: rows.length, rows }) + '\n';
  }
  if (!rows.length) return '\n0 total.\n\n';
  const cols = Object.keys(rows[0]!);
  const lines = [cols.join(','), ...rows.map((r) => cols.map((c) => r[c]).join(','))];
  return `${lines.join('\n')}\n\n${rows.length} total.\n\n`;
}

function show(env: ApiEnv, args: string): string {
  const parts = apiArgv(args, 32);
  const what = (parts[0] ?? '').toLowerCase();
  const asIdx = parts.findIndex((x) => x.toLowerCase() === 'as');
  const fmt = asIdx >= 0 ? (parts[asIdx + 1] ?? '').toLowerCase() : '';
  if (what === 'channels' || what === 'calls') {
    return showRows([...env.engine.channels.values()].filter((c) => c.isUp).map((c) => channelRow(env, c)), fmt);
  }
  if (what === 'registrations') {
    // The core registrations table (switch_core_add_registration, filled by mod_sofia), `select * from registrations
    // where hostname=...`: every column a string.
    const rows = env.softphones
      .list()
      .filter((p) => p.registered)
      .map((p) => ({
        reg_user: p.ext,
        realm: env.softphones.domain,
        token: p.callId,
        url: `sofia/internal/sip:${p.ext}@${p.ip}:${p.port}`,
        expires: String(Math.floor(env.engine.clock.now() / 1000) + 3600),
        network_ip: p.ip,
        network_port: String(p.port),
        network_proto: 'udp',
        hostname: env.host.hostname,
        metadata: '',
      }));
    return showRows(rows, fmt);
  }
  return '-USAGE: codec|endpoint|application|api|dialplan|file|timer|calls [count]|channels [count|like <match string>]|calls|detailed_calls|bridged_calls|detailed_bridged_calls|aliases|complete|chat|management|modules|nat_map|say|interfaces|interface_types|tasks|limits|status\n';
}

function status(env: ApiEnv): string {
  const e = env.engine;
  const upUs = Math.max(0, (e.clock.now() - e.startedAtMs) * 1000);
  const perSec = 0;
  return (
    `UP ${uptimeText(upUs)}\n` +
    `FreeSWITCH (Version ${env.version}  64bit) is ready\n` +
    `${e.sessionsSinceStartup} session(s) since startup\n` +
    `${e.sessionCount} session(s) - peak ${e.peakSessions}, last 5min ${e.peakSessions} \n` +
    `${perSec} session(s) per Sec out of max ${e.config.sessionsPerSecond}, peak ${e.peakPerSecond}, last 5min ${e.peakPerSecond} \n` +
    `${e.config.maxSessions} session(s) max\n` +
    `min idle cpu 0.00/98.20\n` +
    `Current Stack Size/Max 240K/8192K\n`
  );
}

function sofiaStatus(env: ApiEnv, args: string): string {
  const a = apiArgv(args, 32);
  if (a[0] === 'status' && a[1] === 'profile' && a[2] && a[3] === 'reg') {
    const regs = env.softphones.list().filter((p) => p.registered);
    let out = '\nRegistrations:\n=================================================================================================\n';
    for (const p of regs) {
      out +=
        `Call-ID: \t${p.callId}\nUser:    \t${p.ext}@${env.softphones.domain}\nContact: \t"${p.ext}" <sip:${p.ext}@${p.ip}:${p.port}>\n` +
        `Agent:   \t${p.userAgent}\nStatus:  \tRegistered(UDP)(unknown) EXP(3600)\nHost:    \t${env.host.hostname}\n` +
        `IP:      \t${p.ip}\nPort:    \t${p.port}\nAuth-User: \t${p.ext}\nAuth-Realm: \t${env.softphones.domain}\n` +
        `MWI-Account: \t${p.ext}@${env.softphones.domain}\n\n`;
    }
    return `${out}Total items returned: ${regs.length}\n=================================================================================================\n`;
  }
  if (a[0] === 'status') {
    return (
      '                     Name\t   Type\t                                      Data\tState\n' +
      '=================================================================================================\n' +
      '                127.0.0.1\t  alias\t                                  internal\tALIASED\n' +
      '                 external\tprofile\t              sip:mod_sofia@127.0.0.1:5080\tRUNNING (0)\n' +
      '                 internal\tprofile\t              sip:mod_sofia@127.0.0.1:5060\tRUNNING (0)\n' +
      '=================================================================================================\n' +
      '2 profiles 1 alias\n'
    );
  }
  return '+OK\n';
}

/** uuid_dump: the channel as a plain CHANNEL_DATA event. */
function uuidDump(env: ApiEnv, args: string): string {
  const [uuid, fmt] = apiArgv(args, 2);
  return withChannel(env, uuid, (ch) => {
    const h: SimHeader[] = [['Event-Name', 'CHANNEL_DATA']];
    ch.basicHeaders(h);
    ch.variableHeaders(h);
    const ev = new SimEvent('CHANNEL_DATA', h);
    if (fmt === 'json') return ev.render('json');
    if (fmt === 'xml') return ev.render('xml');
    return ev.render('plain');
  });
}

export const API_COMMANDS: Record<string, ApiHandler> = {
  status: sync((env) => status(env)),
  version: sync((env) => `FreeSWITCH Version ${env.version}~64bit ( 64bit)\n`),
  hostname: sync((env) => env.host.hostname),
  echo: sync((_env, args) => args),
  uptime: sync((env) => String(Math.floor((env.engine.clock.now() - env.engine.startedAtMs) / 1000))),
  // mod_commands system_function: switch_stream_system runs the command with the switch's rights and returns its
  // output. FreeSWITCH 1.10 has no setting that turns this API off (only the `system` dialplan app has one):
  // whoever holds the ESL password can run it. The simulator models the documented probe (`system echo <text>`)
  // and runs no other shell command.
  system: sync((env, args) => {
    if (!args.trim()) return '-USAGE: <command>\n';
    env.systemCommands.push(args.trim());
    const m = /^echo(?:\s+(.*))?$/.exec(args.trim());
    return m ? `${m[1] ?? ''}\n` : '-ERR the simulator runs no shell commands (only `system echo ...`)\n';
  }),
  // mod_commands ctl_function, the api_expansion branch only: reads (or sets) the live switch_core setting.
  fsctl: sync((env, args) => {
    const [what, value] = apiArgv(args, 2);
    if ((what ?? '').toLowerCase() === 'shutdown') {
      // ctl_function's shutdown branch answers +OK and the core shuts down after it (here: on the next turn, so the
      // reply goes out first); only `restart` is modelled: a simulator that stays down serves nobody.
      if ((value ?? '').toLowerCase() !== 'restart') return '-ERR the simulator models only `fsctl shutdown restart`\n';
      setImmediate(() => env.restart());
      return '+OK\n';
    }
    if ((what ?? '').toLowerCase() !== 'api_expansion') return '-ERR fsctl in the simulator knows only api_expansion and shutdown restart\n';
    if (value !== undefined) env.setApiExpansion(/^(true|on|yes|1)$/i.test(value));
    return `+OK api_expansion is ${env.apiExpansion() ? 'on' : 'off'}\n`;
  }),
  module_exists: sync((env, args) => (env.modules.has(args.trim()) ? 'true' : 'false')),
  global_getvar: sync((env, args) => {
    const name = args.trim();
    if (!name) return [...env.globals].map(([k, v]) => `${k}=${v}`).join('\n') + '\n';
    return env.globals.get(name) ?? '';
  }),
  global_setvar: sync((env, args) => {
    const eq = args.indexOf('=');
    if (eq <= 0) return '-USAGE: <var>=<value>\n';
    env.globals.set(args.slice(0, eq).trim(), args.slice(eq + 1));
    return '+OK\n';
  }),
  reloadxml: sync(() => '+OK [Success]\n'),
  // `reload [-f] <module>`: only mod_event_socket is modelled (the fault drills' ESL drop on a real switch). Its
  // unload takes every listener down, this command's own connection included, so the cut comes after the reply.
  reload: sync((env, args) => {
    const mod = args.split(/\s+/).filter((a) => a && a !== '-f').pop() ?? '';
    if (mod !== 'mod_event_socket') return `-ERR the simulator reloads only mod_event_socket, not ${JSON.stringify(mod)}\n`;
    setImmediate(() => env.reloadEventSocket());
    return '+OK Reloading XML\n+OK module unloaded\n+OK module loaded\n';
  }),
  show: sync((env, args) => show(env, args)),
  sofia: sync((env, args) => sofiaStatus(env, args)),
  originate: (env, args, done) => originateApi(env.dial, args, done),
  hupall: sync((env, args) => {
    const [causeArg, varName, value] = apiArgv(args, 3);
    const cause = toCause(causeArg, 'MANAGER_REQUEST');
    for (const ch of [...env.engine.channels.values()]) {
      if (!ch.isUp) continue;
      if (varName && ch.vars.get(varName) !== value) continue;
      env.engine.requestHangup(ch, cause);
    }
    return `+OK hangup all channels with cause ${cause}\n`;
  }),
  conference: sync((env, args) => conferenceApi(env.engine, args)),
  uuid_exists: sync((env, args) => (env.engine.get(args.trim())?.isUp ? 'true' : 'false')),
  // mod_commands file_exists: switch_file_exists on the whole argument, `true` / `false` (./sound-files.ts).
  file_exists: sync((env, args) => (args.trim() && !/^[a-z_]+:\/\//.test(args.trim()) && env.engine.fileExists(args.trim()) ? 'true' : 'false')),
  uuid_kill: sync((env, args) => {
    // kill_function: the uuid ends at the first space, the rest (if not empty) is the cause.
    if (!args) return '-USAGE: <uuid> [cause]\n';
    const sp = args.indexOf(' ');
    const uuid = sp < 0 ? args : args.slice(0, sp);
    const cause = sp < 0 ? undefined : args.slice(sp + 1) || undefined;
    return withChannel(env, uuid, (ch) => {
      env.engine.requestHangup(ch, toCause(cause, 'NORMAL_CLEARING'));
      return '+OK\n';
    });
  }),
  uuid_answer: sync((env, args) =>
    withChannel(env, args.trim(), (ch) => {
      env.engine.answer(ch);
      return '+OK\n';
    }),
  ),
  uuid_pre_answer: sync((env, args) =>
    withChannel(env, args.trim(), (ch) => {
      env.engine.preAnswer(ch);
      return '+OK\n';
    }),
  ),
  uuid_ring_ready: sync((env, args) =>
    withChannel(env, args.trim(), (ch) => {
      env.engine.ringReady(ch);
      return '+OK\n';
    }),
  ),
  uuid_setvar: sync((env, args) => {
    // uuid_setvar_function: argv[3] space split; 2 or 3 arguments; no value (or an empty one) unsets.
    const argv = uuidSetvarArgs(args);
    if ((argv.length !== 2 && argv.length !== 3) || !argv[0]) return '-USAGE: <uuid> <var> [value]\n';
    const [uuid, name, value] = argv;
    return withChannel(env, uuid, (ch) => {
      if (!name) return '-ERR No variable specified\n';
      setChannelVariable(ch.vars, name, value, true);
      return '+OK\n';
    });
  }),
  uuid_setvar_multi: sync((env, args) => {
    // uuid_setvar_multi_function: uuid up to the first space, then `;`-separated name=value items.
    const usage = '-USAGE: <uuid> <var>=<value>;<var>=<value>...\n';
    const parsed = uuidSetvarMultiArgs(args);
    if (!parsed) return usage;
    return withChannel(env, parsed.uuid, (ch) => {
      let out = '';
      let set = 0;
      for (const [name, value] of parsed.pairs) {
        if (!name) {
          out += '-ERR No variable specified\n';
          continue;
        }
        setChannelVariable(ch.vars, name, value, true);
        set++;
      }
      return out + (set ? '+OK\n' : usage);
    });
  }),
  uuid_getvar: sync((env, args) => {
    const [uuid, name] = apiArgv(args, 4);
    if (!uuid || !name) return '-USAGE: <uuid> <var>\n';
    return withChannel(env, uuid, (ch) => ch.vars.get(name) ?? '_undef_');
  }),
  uuid_dump: sync((env, args) => uuidDump(env, args)),
  uuid_bridge: sync((env, args) => {
    const [a, b] = apiArgv(args, 4);
    if (!a || !b) return '-USAGE: <uuid> <other_uuid>\n';
    const ca = env.engine.get(a);
    const cb = env.engine.get(b);
    if (!ca?.isUp || !cb?.isUp || ca === cb) return '-ERR Invalid uuid\n';
    uuidBridge(env.engine, ca, cb);
    return `+OK ${b}\n`;
  }),
  uuid_transfer: sync((env, args) => {
    // transfer_function: argv[5], 2..5 arguments; a destination starting with `-` is an option (-bleg, -both) and
    // shifts the rest by one.
    const usage = '-USAGE: <uuid> [-bleg|-both] <dest-exten> [<dialplan>] [<context>]\n';
    const argv = apiArgv(args, 5);
    if (argv.length < 2 || argv.length > 5) return usage;
    const uuid = argv[0]!;
    let [, dest, dp, ctx] = argv;
    let option = '';
    if (dest!.startsWith('-')) {
      option = dest!.slice(1).toLowerCase();
      [, , dest, dp, ctx] = argv;
    }
    return withChannel(env, uuid, (ch) => {
      if (dest === undefined) return '-ERR\n';
      const targets: Channel[] = [];
      const peer = env.engine.get(ch.bridgedTo);
      if (option === 'bleg') {
        targets.push(peer ?? ch);
      } else {
        if (option === 'both' && peer) {
          // transfer_function sets CF_REDIRECT on both legs: neither runs hangup_after_bridge when the bridge ends.
          peer.redirecting = true;
          ch.redirecting = true;
          targets.push(peer);
        }
        targets.push(ch);
      }
      for (const t of targets) env.engine.transfer(t, dest, dp ?? 'XML', ctx ?? (t.profile.context || 'default'));
      return '+OK\n';
    });
  }),
  uuid_park: sync((env, args) =>
    withChannel(env, args.trim(), (ch) => {
      env.engine.runInline(ch, [{ app: 'park', data: '' }]);
      return '+OK\n';
    }),
  ),
  uuid_hold: sync((env, args) => {
    const argv = apiArgv(args, 4);
    let mode = 'on';
    const first = (argv[0] ?? '').toLowerCase();
    if (first === 'off' || first === 'toggle') {
      mode = first;
      argv.shift();
    }
    const ch = env.engine.get(argv[0]);
    if (!ch?.isUp) return '-ERR Operation failed\n';
    const on = mode === 'on' ? true : mode === 'off' ? false : !ch.held;
    return env.engine.hold(ch, on) ? '+OK Success\n' : '-ERR Operation failed\n';
  }),
  /**
   * mod_commands session_audio_function: `<uuid> [start [read|write] [mute|level <level>]|stop]`. Its replies, byte
   * for byte: `+OK`; `-USAGE: ...` for bad arguments; an unknown uuid writes `-ERR No Such Channel!` and then, as the
   * function falls through to its final write, `+OK` too. `stop` removes the media bug (no mute, no level).
   */
  uuid_audio: sync((env, args) => {
    const usage = '-USAGE: <uuid> [start [read|write] [mute|level <level>]|stop]\n';
    const argv = apiArgv(args, 5);
    if (argv.length < 2) return usage;
    const ch = env.engine.get(argv[0]);
    if (!ch?.isUp) return '-ERR No Such Channel!\n+OK\n';
    const verb = argv[1]!.toLowerCase();
    if (verb === 'stop') {
      ch.sessionAudio = undefined;
      return '+OK\n';
    }
    const dir = (argv[2] ?? '').toLowerCase();
    if (verb !== 'start' || argv.length < 5 || (dir !== 'read' && dir !== 'write')) return usage;
    const level = atoi(argv[4]);
    const what = argv[3]!.toLowerCase();
    if (what !== 'mute' && what !== 'level') return usage;
    // switch_ivr_session_audio: one bug per channel, created on first use; mute resets the level of its direction.
    const a = (ch.sessionAudio ??= { readMute: 0, writeMute: 0, readLevel: 0, writeLevel: 0 });
    if (what === 'mute') {
      if (dir === 'read') [a.readMute, a.readLevel] = [level, 0];
      else [a.writeMute, a.writeLevel] = [level, 0];
    } else if (level < 5 && level > -5) {
      if (dir === 'read') a.readLevel = level;
      else a.writeLevel = level;
    }
    return '+OK\n';
  }),
  uuid_break: sync((env, args) => {
    const [uuid] = apiArgv(args, 2);
    return withChannel(env, uuid, (ch) => {
      const e = env.engine;
      const top = e.topFrame(ch);
      // uuid_break stops what is playing (the top app); park and bridges are not "media" and stay.
      if (top && top.app !== 'park' && top.app !== 'bridge') e.interrupt(ch, 'break', false);
      return '+OK\n';
    });
  }),
  /**
   * uuid_displace <uuid> [start|stop] <path> [<limit>] [mux]: a media bug mixing a file into the channel (no events,
   * the bridge goes on). The simulator carries no audio: it checks the channel and records what plays
   * (Channel.displaced), answering as mod_commands does.
   */
  uuid_displace: sync((env, args) => {
    const [uuid, action, path] = apiArgv(args, 5);
    if (!uuid || !action || !path || !/^(start|stop)$/i.test(action)) return '-USAGE: <uuid> [start|stop] <path> [<limit>] [mux]\n';
    const ch = env.engine.get(uuid);
    if (!ch?.isUp) return '-ERR No such channel!\n';
    if (action.toLowerCase() === 'start') ch.displaced.push(path);
    return '+OK Success\n';
  }),
  uuid_broadcast: sync((env, args) => {
    const [uuid, path, legArg] = apiArgv(args, 4);
    if (!uuid || !path) return '-USAGE: <uuid> <path> [aleg|bleg|holdb|both]\n';
    const ch = env.engine.get(uuid);
    if (!ch?.isUp) return '-ERR Operation Failed\n';
    // uuid_broadcast_function looks for the words anywhere in the third argument (switch_stristr).
    const leg = (legArg ?? 'aleg').toLowerCase();
    const targets: Channel[] = [];
    const peer = env.engine.get(ch.bridgedTo);
    if (leg.includes('aleg') || leg.includes('both')) targets.push(ch);
    if ((leg.includes('bleg') || leg.includes('both')) && peer) targets.push(peer);
    // A "app::arg" path executes that app instead of playback (switch_ivr_broadcast).
    const m = /^([a-z_]+)::(.*)$/s.exec(path);
    for (const t of targets) {
      env.engine.queueMessage(t, {
        kind: 'execute',
        app: m ? m[1] : 'playback',
        data: m ? m[2] : path,
        appUuid: env.engine.newUuid(),
      });
    }
    return '+OK Message sent\n';
  }),
  /**
   * uuid_recv_dtmf <uuid> <dtmf_data>: the digits are queued on the channel as if its endpoint had sent them
   * (switch_channel_queue_dtmf_string; `digits@ms` gives the duration) and read by whatever reads DTMF there
   * (eavesdrop's mode keys). Success answers `+OK <uuid> received DTMF <digits>.` as FreeSWITCH 1.10.12 does (seen
   * on the real switch; the digits as given, duration suffix stripped).
   */
  uuid_recv_dtmf: sync((env, args) => {
    const [uuid, digitsArg] = apiArgv(args, 2);
    if (!uuid || !digitsArg) return '-USAGE: <uuid> <dtmf_data>\n';
    const ch = env.engine.get(uuid);
    if (!ch?.isUp) return '-ERR Cannot locate session!\n';
    const [digits, ms] = digitsArg.split('@');
    const samples = ms && /^[0-9]+$/.test(ms) ? Number(ms) * 8 : 2000;
    for (const d of (digits ?? '').replace(/[^0-9A-Da-d*#]/g, '')) env.engine.receiveDtmf(ch, d.toUpperCase(), 'APP', samples);
    return `+OK ${uuid} received DTMF ${digits ?? ''}.\n`;
  }),
  uuid_send_dtmf: sync((env, args) => {
    const [uuid, digitsArg] = apiArgv(args, 2);
    if (!uuid || !digitsArg) return '-USAGE: <uuid> <dtmf_data>\n';
    const ch = env.engine.get(uuid);
    if (!ch?.isUp) return `-ERR no such session ${uuid}\n`;
    const digits = digitsArg.split('@')[0]!.replace(/[^0-9A-Da-d*#wW]/g, '');
    // switch_core_session_send_dtmf_string records the total play-out time (500 ms per digit by default).
    if (digits.length) ch.vars.set('last_dtmf_duration', String(500 * digits.replace(/[wW]/g, '').length));
    env.engine.sendDtmfOut(ch, digits.replace(/[wW]/g, ''));
    return `+OK ${uuid} sent DTMF ${digitsArg}.\n`;
  }),
  uuid_record: sync((env, args) => {
    const [uuid, action, path, limit] = apiArgv(args, 4);
    if (!uuid || !action || !path) return '-USAGE: <uuid> [start|stop|mask|unmask] <path> [<limit>] [<recording_vars>]\n';
    const ch = env.engine.get(uuid);
    if (!ch?.isUp) return '-ERR Cannot locate session!\n';
    const e = env.engine;
    switch (action.toLowerCase()) {
      case 'start':
        return e.startRecording(ch, path, limit ? atoi(limit) : undefined) ? '+OK Success\n' : '-ERR Cannot record session!\n';
      case 'stop':
        return e.stopRecording(ch, path, 'success-maxtime') ? '+OK Success\n' : '-ERR Cannot stop record session!\n';
      case 'mask':
        return e.maskRecording(ch, path, true) ? '+OK Success\n' : '-ERR Cannot mask recording session!\n';
      case 'unmask':
        return e.maskRecording(ch, path, false) ? '+OK Success\n' : '-ERR Cannot unmask recording session!\n';
      default:
        return '-USAGE: <uuid> [start|stop|mask|unmask] <path> [<limit>] [<recording_vars>]\n';
    }
  }),
};

/**
 * switch_ivr_uuid_bridge: both channels leave what they run (CHANNEL_UNPARK, EXECUTE_COMPLETE park), get a new
 * caller profile carrying the transfer source, a synthetic CHANNEL_EXECUTE "uuid_bridge", and A fires
 * CHANNEL_BRIDGE.
 */
export function uuidBridge(e: CallEngine, a: Channel, b: Channel): void {
  // Unbridge whatever they were in before.
  for (const x of [a, b]) {
    const old = e.get(x.bridgedTo);
    // switch_ivr_uuid_bridge redirects (CF_REDIRECT) the channels it takes: only their old partners end their bridge.
    if (old && old !== a && old !== b) e.unbridgeForTransfer(x);
  }
  a.vars.set('uuid_bridge', b.uuid);
  // Mark the pair first so that ending their apps does not end their (finished) extensions.
  a.bridgedTo = b.uuid;
  b.bridgedTo = a.uuid;
  a.otherLeg = { uuid: b.uuid, type: 'originatee' };
  b.otherLeg = { uuid: a.uuid, type: 'originator' };
  const stamp = Math.floor(e.clock.now() / 1000);
  for (const [x, y] of [
    [a, b],
    [b, a],
  ] as const) {
    x.vars.set('bridge_channel', y.name);
    x.vars.set('bridge_uuid', y.uuid);
    x.vars.set('signal_bond', y.uuid);
  }
  for (const [x, y] of [
    [a, b],
    [b, a],
  ] as const) {
    e.dropDialplan(x);
    x.setState('CS_HIBERNATE', 'CS_EXECUTE');
    const source = `${stamp}:${e.newUuid()}:uuid_br:${y.uuid}`;
    const p = x.profile;
    x.vars.set('original_destination_number', p.destinationNumber);
    x.vars.set('original_caller_id_name', p.callerIdName);
    x.vars.set('original_caller_id_number', p.callerIdNumber);
    x.vars.set('transfer_history', source);
    x.vars.set('transfer_source', source);
    // The B side takes the A side's caller id and is no longer "in the dialplan" (see the bridge capture).
    if (x === b) x.hitDialplan = false;
    x.profile = {
      ...p,
      ...(x === b ? { callerIdName: a.profile.callerIdName, callerIdNumber: a.profile.callerIdNumber } : {}),
      logicalDirection: x === a ? 'inbound' : p.logicalDirection,
      transferSource: source,
      profileIndex: String(Number(p.profileIndex || '1') + 1),
      times: { ...p.times, profileCreated: e.nowUs() },
    };
    e.interrupt(x, 'bridge');
    x.vars.delete('uuid_bridge');
  }
  for (const [x, y, site] of [
    [a, b, 'uuidBridgeExecA'],
    [b, a, 'uuidBridgeExecB'],
  ] as const) {
    x.setState('CS_SOFT_EXECUTE');
    if (x === b) x.vars.set('call_uuid', x.uuid);
    e.emit(x, 'CHANNEL_EXECUTE', SITES[site], {
      post: [
        ['Application', 'uuid_bridge'],
        ['Application-Data', y.uuid],
      ],
    });
  }
  a.bridgedTo = undefined;
  b.bridgedTo = undefined;
  e.bridge(a, b, { viaUuidBridge: true });
}

/** Looks an API command up case-insensitively. */
export function findApi(name: string): ApiHandler | undefined {
  return API_COMMANDS[name.toLowerCase()];
}

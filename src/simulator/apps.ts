import { toCause } from './causes';
import { sayApp } from './say';
import type { Channel } from './channel';
import type { AppStarter, CallEngine } from './engine';
import { SITES } from './event-bus';
import type { SimHeader } from './event';
import type { AppFrame } from './frame';
import { atoi, atoui, exportAppArgs, recordAppArgs, recordSessionArgs, separate, setAppArgs, setChannelVariable } from './fs-parse';
import { dial, type DialEnv } from './originate';

/**
 * Dialplan applications (mod_dptools), one starter each. A starter runs when CHANNEL_EXECUTE has fired and must
 * eventually call engine.complete(ch, frame) (EXECUTE_COMPLETE), or leave the frame to be unwound by hangup.
 * Each reads its argument the way its mod_dptools function does (src/simulator/fs-parse.ts): play_and_get_digits,
 * transfer and record split it at spaces with switch_separate_string; set splits at the first `=` (or `,`); export
 * at the first `=`; record_session looks for a trailing ` +<limit>`; bridge takes it whole as a dial string;
 * playback, eavesdrop, unset, hangup and stop_record_session take it whole and untrimmed.
 */

const instant =
  (fn: (e: CallEngine, ch: Channel, f: AppFrame) => void): AppStarter =>
  (e, ch, f) => {
    fn(e, ch, f);
    if (!f.finished && ch.isUp) e.complete(ch, f);
  };

/** mod_dptools base_set, without its variable expansion of the value (not modelled). */
function setVar(ch: Channel, data: string): void {
  const a = setAppArgs(data);
  if (a) setChannelVariable(ch.vars, a.name, a.value, false);
}

/**
 * mod_dptools multiset_function: `name=value` pairs split on spaces, or on the character after a leading `^^`
 * (`^^:a=1:b=2`), each set as `set` does: several variables for one application (one EXECUTE/EXECUTE_COMPLETE).
 */
function multisetVars(ch: Channel, data: string): void {
  let delim = ' ';
  let rest = data;
  if (rest.startsWith('^^') && rest.length > 2) {
    delim = rest[2]!;
    rest = rest.slice(3);
  }
  for (const part of rest.split(delim)) if (part) setVar(ch, part);
}

/** mod_dptools export_function: `nolocal:` exports without setting the variable on this channel. */
function exportVar(ch: Channel, data: string): void {
  const a = exportAppArgs(data);
  if (!a || a.name.toLowerCase().startsWith('nolocal:')) return;
  setChannelVariable(ch.vars, a.name, a.value, false);
}

/**
 * Plays one file on a channel as switch_ivr_play_file does: PLAYBACK_START, PLAYBACK_STOP (done|break). A file that
 * does not exist (./sound-files.ts) fails to open before any event: `notfound` at once (SWITCH_STATUS_NOTFOUND).
 */
export function startPlayback(
  e: CallEngine,
  ch: Channel,
  f: AppFrame,
  file: string,
  onEnd: (how: 'done' | 'break' | 'hangup' | 'notfound') => void,
): { stop(how: 'break' | 'hangup'): void } {
  if (!e.fileExists(file)) {
    onEnd('notfound');
    return { stop: () => undefined };
  }
  const started = e.clock.now();
  const isStream = /^local_stream:\/\//.test(file);
  const typeHeader: SimHeader[] = isStream ? [['Playback-File-Type', 'local_stream']] : [];
  e.emit(ch, 'PLAYBACK_START', SITES.playbackStart, { post: [...typeHeader, ['Playback-File-Path', file]] });
  const prevAudio = f.audio;
  f.audio = `file:${file}`;
  let over = false;
  const finish = (how: 'done' | 'break' | 'hangup'): void => {
    if (over) return;
    over = true;
    timer?.cancel();
    f.audio = prevAudio;
    const ms = Math.max(0, Math.round(e.clock.now() - started));
    const samples = Math.round(ms * 8);
    ch.vars.set('playback_last_offset_pos', String(samples));
    ch.vars.set('playback_seconds', String(Math.floor(ms / 1000)));
    ch.vars.set('playback_ms', String(ms));
    ch.vars.set('playback_samples', String(samples));
    e.emit(ch, 'PLAYBACK_STOP', SITES.playbackStop, {
      post: [...typeHeader, ['Playback-File-Path', file], ['Playback-Status', how === 'break' ? 'break' : 'done']],
    });
    onEnd(how);
  };
  const len = e.fileDurationMs(file);
  const timer = Number.isFinite(len) ? e.after(ch, len, () => finish('done')) : undefined;
  return { stop: (how) => finish(how) };
}

/** playback_terminators: default `*`, `none`, `any`, or a set of digits (mod_dptools on_dtmf). */
function isPlaybackTerminator(ch: Channel, digit: string): boolean {
  const t = ch.vars.get('playback_terminators') ?? '*';
  if (t.toLowerCase() === 'none') return false;
  if (t.toLowerCase() === 'any') return true;
  return t.includes(digit);
}

/** playback_function's application responses by switch_ivr_play_file's status (mod_dptools.c). */
function playbackResponse(how: 'done' | 'break' | 'hangup' | 'notfound'): string {
  return how === 'notfound' ? 'FILE NOT FOUND' : how === 'hangup' ? 'PLAYBACK ERROR' : 'FILE PLAYED';
}

const playback: AppStarter = (e, ch, f) => {
  f.readsDtmf = true;
  const file = f.data;
  const pb = startPlayback(e, ch, f, file, (how) => e.complete(ch, f, playbackResponse(how)));
  if (f.finished) return;
  f.onDtmf = (d) => {
    if (isPlaybackTerminator(ch, d)) {
      ch.vars.set('playback_terminator_used', d);
      pb.stop('break');
    }
  };
  f.stop = (reason) => pb.stop(reason === 'hangup' ? 'hangup' : 'break');
  // Digits that arrived before the playback started are read now.
  e.readDtmf(ch);
};

const park: AppStarter = (e, ch, f) => {
  f.nests = true;
  ch.setState('CS_EXECUTE');
  e.emit(ch, 'CHANNEL_PARK', SITES.park);
  f.stop = () => e.emit(ch, 'CHANNEL_UNPARK', SITES.unpark);
};

const sleep: AppStarter = (e, ch, f) => {
  // switch_ivr_sleep parses queued messages, so sendmsg apps run nested while sleeping.
  f.nests = true;
  const ms = Math.max(0, atoi(f.data));
  f.timers.push(e.after(ch, ms, () => e.complete(ch, f)));
};

const echo: AppStarter = (_e, _ch, f) => {
  f.echo = true;
};

/**
 * play_and_get_digits <min> <max> <tries> <timeout> <terminators> <file> <invalid_file> <var> <regexp>
 * [digit_timeout] [transfer_on_failure]: switch_separate_string(data, ' ', argv[11]), numbers read with atoi, then
 * play_and_get_digits_function's clamps (min >= 0, max >= min, timeout >= 1000 ms, terminators default `#`).
 */
const playAndGetDigits: AppStarter = (e, ch, f) => {
  const a = f.data ? separate(f.data, ' ', 11) : [];
  if (!a.length) {
    e.complete(ch, f);
    return;
  }
  const min = Math.max(0, atoi(a[0]));
  const max = Math.max(min, 1, atoi(a[1]));
  let tries = Math.max(1, atoi(a[2]));
  const timeout = Math.max(1000, a[3] !== undefined ? atoi(a[3]) : 1000);
  const terminators = !a[4] ? '#' : a[4] === 'none' ? '' : a[4];
  const prompt = a[5] ?? '';
  const invalid = a[6] ?? '';
  const varName = a[7] ?? 'pagd_input';
  const regex = a[8];
  const digitTimeout = a[9] !== undefined ? atoui(a[9]) || timeout : timeout;
  let digits = '';
  let phase: 'prompt' | 'collect' | 'invalid' = 'prompt';
  let pb: { stop(how: 'break' | 'hangup'): void } | undefined;
  let waitTimer: { cancel(): void } | undefined;

  const finishRead = (terminator?: string, timedOut = false): void => {
    waitTimer?.cancel();
    if (terminator) ch.vars.set('read_terminator_used', terminator);
    const result = timedOut && digits.length < min ? 'timeout' : digits.length >= min ? 'success' : 'failure';
    ch.vars.set('read_result', result);
    let ok = digits.length >= min && (result === 'success' || timedOut);
    if (ok && digits.length === 0 && min > 0) ok = false;
    if (ok && regex) {
      try {
        ok = new RegExp(regex).test(digits);
      } catch {
        ok = false;
      }
    }
    if (ok && digits.length > 0) {
      ch.vars.set(varName, digits);
      e.complete(ch, f);
      return;
    }
    ch.vars.delete(varName);
    tries--;
    if (tries <= 0 || !invalid) {
      if (tries <= 0) {
        e.complete(ch, f);
        return;
      }
      startTry();
      return;
    }
    phase = 'invalid';
    f.readsDtmf = false; // the invalid prompt is played without a DTMF callback: digits stay queued
    pb = startPlayback(e, ch, f, invalid, (how) => {
      pb = undefined;
      if (how === 'hangup') return;
      if (tries <= 0) e.complete(ch, f);
      else startTry();
    });
  };

  const armWait = (ms: number): void => {
    waitTimer?.cancel();
    waitTimer = e.after(ch, ms, () => finishRead(undefined, true));
    f.timers.push(waitTimer);
  };

  const startTry = (): void => {
    digits = '';
    phase = 'prompt';
    f.readsDtmf = true;
    pb = startPlayback(e, ch, f, prompt, (how) => {
      pb = undefined;
      if (how === 'done' && phase === 'prompt') {
        phase = 'collect';
        armWait(timeout);
      } else if (how === 'notfound') {
        // The prompt does not open: switch_ivr_read ends at once (goto end, read_result "failure") and
        // switch_play_and_get_digits leaves its loop on a status that is neither success nor timeout: no digits, no
        // invalid file, no further tries. The real switch answered in ~220 ms instead of the timeout.
        ch.vars.set('read_result', 'failure');
        ch.vars.delete(varName);
        e.complete(ch, f);
      }
    });
    if (!f.finished) e.readDtmf(ch);
  };

  f.onDtmf = (d) => {
    if (phase === 'invalid') return;
    if (phase === 'prompt') {
      phase = 'collect';
      pb?.stop('break');
    }
    if (terminators.includes(d)) {
      finishRead(d);
      return;
    }
    digits += d;
    if (digits.length >= max) finishRead();
    else armWait(digitTimeout);
  };
  f.stop = (reason) => {
    waitTimer?.cancel();
    pb?.stop(reason === 'hangup' ? 'hangup' : 'break');
  };
  startTry();
};

/** switch_true(): yes, on, true, t, enabled, active, allow, or a non-zero number. */
function isTrue(v: string | undefined): boolean {
  if (v === undefined) return false;
  const s = v.trim().toLowerCase();
  return ['yes', 'on', 'true', 't', 'enabled', 'active', 'allow'].includes(s) || (/^-?[0-9]+$/.test(s) && Number(s) !== 0);
}

/**
 * eavesdrop <uuid>: listen to a call. mod_dptools reads eavesdrop_whisper_aleg (ED_MUX_READ: the target's peer hears
 * the eavesdropper) and eavesdrop_whisper_bleg (ED_MUX_WRITE: the target hears); with eavesdrop_enable_dtmf (default
 * true) DTMF 1 = read only, 2 = write only, 3 = both, 0 = listen, `*` ends the eavesdrop (switch_ivr_async.c).
 */
const eavesdrop: AppStarter = (e, ch, f) => {
  const target = e.get(f.data);
  if (!target || target.uuid === ch.uuid) {
    e.complete(ch, f);
    return;
  }
  if (!ch.answered) e.answer(ch);
  const muxRead = isTrue(ch.vars.get('eavesdrop_whisper_aleg'));
  const muxWrite = isTrue(ch.vars.get('eavesdrop_whisper_bleg'));
  const mode = muxRead && muxWrite ? 'both' : muxRead ? 'read' : muxWrite ? 'write' : 'listen';
  e.eavesdrops.set(ch.uuid, { target: target.uuid, mode });
  f.readsDtmf = true;
  const enable = ch.vars.get('eavesdrop_enable_dtmf');
  const dtmfOn = enable === undefined || isTrue(enable);
  f.onDtmf = (d) => {
    const st = e.eavesdrops.get(ch.uuid);
    if (!st || !dtmfOn) return;
    if (d === '1') st.mode = 'read';
    else if (d === '2') st.mode = 'write';
    else if (d === '3') st.mode = 'both';
    else if (d === '0') st.mode = 'listen';
    else if (d === '*') {
      e.eavesdrops.delete(ch.uuid);
      e.complete(ch, f);
    }
  };
  // Attaching sends the eavesdropper a callee-id update (the variables appear right after CHANNEL_EXECUTE).
  ch.vars.set('last_sent_callee_id_name', target.profile.callerIdName || target.profile.callerIdNumber);
  ch.vars.set('last_sent_callee_id_number', target.profile.callerIdNumber);
  f.stop = () => {
    e.eavesdrops.delete(ch.uuid);
  };
  e.readDtmf(ch);
};

/** bridge <dialstring>: rings the B leg(s); answer -> CHANNEL_BRIDGE; the app ends when the bridge does. */
function bridgeApp(env: DialEnv): AppStarter {
  return (e, ch, f) => {
    f.nests = true;
    const handle = dial(
      env,
      f.data,
      { cidName: ch.profile.callerIdName, cidNum: ch.profile.callerIdNumber, originator: ch },
      (r) => {
        if (!ch.isUp || f.finished) {
          if (r.ok && r.channel.isUp) e.hangup(r.channel, 'ORIGINATOR_CANCEL');
          return;
        }
        if (!r.ok) {
          ch.vars.set('originate_disposition', r.cause);
          ch.vars.set('DIALSTATUS', r.cause === 'USER_BUSY' ? 'BUSY' : r.cause === 'NO_ANSWER' ? 'NOANSWER' : 'FAIL');
          e.complete(ch, f);
          const cont = (ch.vars.get('continue_on_fail') ?? '').toLowerCase();
          if (ch.isUp && cont !== 'true' && !cont.split(',').includes(r.cause.toLowerCase())) e.hangup(ch, r.cause);
          return;
        }
        const b = r.channel;
        if (!ch.answered) e.answer(ch);
        ch.vars.set('originate_disposition', 'SUCCESS');
        ch.vars.set('DIALSTATUS', 'SUCCESS');
        e.bridge(ch, b);
      },
    );
    e.onHangup(ch, () => handle.cancel('ORIGINATOR_CANCEL'));
  };
}

const recordSession: AppStarter = instant((e, ch, f) => {
  if (!f.data) return;
  const { path, limitSec } = recordSessionArgs(f.data);
  e.startRecording(ch, path, limitSec || undefined);
});

/** record <path> [limit_secs]: a blocking recording that ends at the limit, on hangup, or on a DTMF terminator. */
const record: AppStarter = (e, ch, f) => {
  const { path, limitSec } = f.data ? recordAppArgs(f.data) : { path: undefined, limitSec: 0 };
  if (!path) {
    e.complete(ch, f);
    return;
  }
  f.readsDtmf = true;
  e.startRecording(ch, path);
  const end = (): void => {
    e.stopRecording(ch, path, 'success-maxtime');
    e.complete(ch, f);
  };
  if (limitSec > 0) f.timers.push(e.after(ch, limitSec * 1000, end));
  f.onDtmf = (d) => {
    const terms = ch.vars.get('playback_terminators') ?? '*#';
    if (terms.includes(d)) end();
  };
  f.stop = () => e.stopRecording(ch, path, 'success-maxtime');
};

/** amd (mod_amd): decides HUMAN/MACHINE after listening ~2.5 s; the gateway tells the truth it knows. */
const amd: AppStarter = (e, ch, f) => {
  f.timers.push(
    e.after(ch, 2500, () => {
      if (!ch.vars.get('amd_result')) {
        ch.vars.set('amd_result', 'NOTSURE');
        ch.vars.set('amd_cause', 'TOOLONG');
      }
      e.complete(ch, f);
    }),
  );
};

/** The dialplan applications of the loaded modules (an app of a module not loaded does not exist: see startApp). */
export function registerApps(engine: CallEngine, env: DialEnv, modules: ReadonlySet<string>): void {
  const add = (name: string, starter: AppStarter): void => {
    engine.apps.set(name, starter);
  };
  add('log', instant(() => undefined));
  add('info', instant(() => undefined));
  add('set', instant((_e, ch, f) => setVar(ch, f.data)));
  add('multiset', instant((_e, ch, f) => multisetVars(ch, f.data)));
  add('export', instant((_e, ch, f) => exportVar(ch, f.data)));
  add('unset', instant((_e, ch, f) => ch.vars.delete(f.data)));
  add(
    'answer',
    instant((e, ch) => {
      e.answer(ch);
      ch.vars.set('endpoint_disposition', 'ANSWER');
    }),
  );
  add(
    'pre_answer',
    instant((e, ch) => {
      e.preAnswer(ch);
      ch.vars.set('endpoint_disposition', 'EARLY MEDIA');
    }),
  );
  add('ring_ready', instant((e, ch) => e.ringReady(ch)));
  add('park', park);
  add('playback', playback);
  add('say', sayApp);
  add('endless_playback', (e, ch, f) => {
    f.readsDtmf = true;
    const pb = startPlayback(e, ch, f, f.data, (how) => e.complete(ch, f, playbackResponse(how)));
    f.stop = (reason) => pb.stop(reason === 'hangup' ? 'hangup' : 'break');
  });
  add('sleep', sleep);
  add('echo', echo);
  add('hangup', (e, ch, f) => {
    e.hangup(ch, toCause(f.data, 'NORMAL_CLEARING'));
  });
  add('play_and_get_digits', playAndGetDigits);
  add('eavesdrop', eavesdrop);
  add('bridge', bridgeApp(env));
  add('transfer', (e, ch, f) => {
    // transfer_function: argv[4] space split; -bleg / -both (any case) transfer the bridged peer (and this leg).
    const argv = f.data ? separate(f.data, ' ', 4) : [];
    e.complete(ch, f);
    if (!argv.length) return;
    const opt = argv[0]!.toLowerCase();
    if (opt === '-bleg' || opt === '-both') {
      const peer = e.get(ch.bridgedTo);
      if (peer) e.transfer(peer, argv[1] ?? '', argv[2] ?? 'XML', argv[3]);
      if (opt === '-both') e.transfer(ch, argv[1] ?? '', argv[2] ?? 'XML', argv[3]);
      return;
    }
    e.transfer(ch, argv[0]!, argv[1] ?? 'XML', argv[2]);
  });
  add('record_session', recordSession);
  add(
    'stop_record_session',
    instant((e, ch, f) => {
      e.stopRecording(ch, f.data || 'all', 'success-maxtime');
    }),
  );
  add('record', record);
  if (modules.has('mod_amd')) add('amd', amd);
  if (modules.has('mod_avmd')) {
    add('avmd_start', instant(() => undefined));
    add('avmd_stop', instant(() => undefined));
  }
  add('start_dtmf', instant(() => undefined));
}

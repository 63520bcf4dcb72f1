import { toCause } from './causes';
import type { Channel } from './channel';
import type { CallEngine } from './engine';
import { atoi, originateArgs, parseAppTarget, parseDialString as fsParseDialString, parseLeg } from './fs-parse';
import { sofiaInviteSent, sofiaOutboundVars } from './sofia-vars';

/** What a leg driver needs to create its channel. */
export interface LegContext {
  /** Dial-string variables ({global} then [per leg]) in order. */
  vars: Array<[string, string]>;
  cidName: string;
  cidNum: string;
  uuid?: string;
  originator?: Channel;
}

export type LegOutcome = { answered: Channel } | { failed: string };

/** Starts one leg; reports exactly once; `cancel` hangs the leg up with a cause (LOSE_RACE, NO_ANSWER...). */
export type LegDriver = (
  target: string,
  ctx: LegContext,
  report: (outcome: LegOutcome) => void,
) => { cancel(cause: string): void };

export interface LegSpec {
  endpoint: string;
  vars: Array<[string, string]>;
}

export interface ParsedDialString {
  global: Array<[string, string]>;
  /** Failover groups (`|`), each a list of parallel legs (`,`). */
  groups: LegSpec[][];
}

/**
 * A dial string read as switch_ivr_originate reads it (src/simulator/fs-parse.ts): `<...>`/`{...}` variables for all
 * legs, `|` failover groups of `,` parallel legs, each leg with optional `[...]` variables. Null on a parse error
 * (an unclosed block), where FreeSWITCH logs "Parse Error!" and fails the originate.
 */
export function parseDialString(ds: string): ParsedDialString | null {
  const parsed = fsParseDialString(ds);
  if (!parsed) return null;
  const groups: LegSpec[][] = [];
  for (const g of parsed.legs) {
    const legs: LegSpec[] = [];
    for (const text of g) {
      const leg = parseLeg(text);
      if (!leg) return null;
      if (leg.endpoint) legs.push(leg);
    }
    if (legs.length) groups.push(legs);
  }
  return { global: parsed.vars, groups };
}

export interface DialEnv {
  engine: CallEngine;
  drivers: Map<string, LegDriver>;
}

export type DialResult = { ok: true; channel: Channel } | { ok: false; cause: string };

const lookup = (vars: Array<[string, string]>, name: string): string | undefined => {
  let v: string | undefined;
  for (const [k, val] of vars) if (k === name) v = val;
  return v;
};

/**
 * switch_ivr_originate: tries failover groups in turn; inside a group all legs ring in parallel and the first answer
 * wins (the others are hung up with LOSE_RACE). originate_timeout (default 60 s) ends ringing with NO_ANSWER.
 * `done` is called from clock callbacks, never through a Promise, so virtual-time runs stay exact.
 */
export function dial(
  env: DialEnv,
  dialString: string,
  opts: { cidName?: string; cidNum?: string; timeoutSec?: number; originator?: Channel },
  done: (r: DialResult) => void,
): { cancel(cause: string): void } {
  const { engine } = env;
  const parsed = parseDialString(dialString) ?? { global: [], groups: [] };
  let groupIndex = 0;
  let finished = false;
  let active: Array<{ cancel(cause: string): void }> = [];
  let timer: { cancel(): void } | undefined;
  let lastCause = 'DESTINATION_OUT_OF_ORDER';

  const finish = (r: DialResult): void => {
    if (finished) return;
    finished = true;
    timer?.cancel();
    done(r);
  };

  const runGroup = (): void => {
    if (finished) return;
    const group = parsed.groups[groupIndex++];
    if (!group) {
      finish({ ok: false, cause: lastCause });
      return;
    }
    let pending = group.length;
    let won = false;
    active = [];
    const timeoutSec =
      Number(lookup(parsed.global, 'originate_timeout') ?? lookup(parsed.global, 'call_timeout') ?? opts.timeoutSec ?? 60) || 60;
    timer?.cancel();
    timer = engine.after(undefined, timeoutSec * 1000, () => {
      for (const h of active) h.cancel('NO_ANSWER');
    });
    const handles: Array<{ cancel(cause: string): void }> = [];
    group.forEach((leg, i) => {
      const vars = [...parsed.global, ...leg.vars];
      const cidNum = lookup(vars, 'origination_caller_id_number') ?? opts.cidNum ?? '0000000000';
      const cidName = lookup(vars, 'origination_caller_id_name') ?? opts.cidName ?? '';
      const uuid = lookup(vars, 'origination_uuid');
      const legTimeout = Number(lookup(leg.vars, 'leg_timeout'));
      const slash = leg.endpoint.indexOf('/');
      const kind = (slash >= 0 ? leg.endpoint.slice(0, slash) : leg.endpoint).toLowerCase();
      const target = slash >= 0 ? leg.endpoint.slice(slash + 1) : '';
      let driver = env.drivers.get(kind);
      let driverTarget = target;
      if (kind === 'sofia' && target.startsWith('gateway/')) {
        driver = env.drivers.get('gateway');
        driverTarget = target.slice('gateway/'.length);
      }
      const report = (o: LegOutcome): void => {
        if (finished) {
          if ('answered' in o && o.answered.isUp) engine.hangup(o.answered, 'LOSE_RACE');
          return;
        }
        if ('answered' in o) {
          if (won) {
            engine.hangup(o.answered, 'LOSE_RACE');
            return;
          }
          won = true;
          handles.forEach((h, j) => j !== i && h.cancel('LOSE_RACE'));
          // FS's originate loop notices the answer on its next 20 ms tick.
          const ch = o.answered;
          timer?.cancel();
          engine.after(undefined, engine.config.originatePollMs, () => {
            if (ch.isUp) finish({ ok: true, channel: ch });
            else finish({ ok: false, cause: ch.hangupCause ?? 'NORMAL_CLEARING' });
          });
          return;
        }
        lastCause = o.failed;
        pending--;
        if (pending === 0 && !won) runGroup();
      };
      const ctx: LegContext = {
        vars,
        cidName,
        cidNum,
        uuid,
        originator: opts.originator,
      };
      let h: { cancel(cause: string): void };
      if (!driver) {
        h = { cancel: () => undefined };
        handles.push(h);
        report({ failed: kind === 'error' ? toCause(target.toUpperCase(), 'NORMAL_CLEARING') : 'CHAN_NOT_IMPLEMENTED' });
        return;
      }
      h = driver(driverTarget, ctx, report);
      handles.push(h);
      active.push(h);
      if (legTimeout > 0) engine.after(undefined, legTimeout * 1000, () => h.cancel('NO_ANSWER'));
    });
  };

  if (!parsed.groups.length) {
    finish({ ok: false, cause: 'INVALID_URL' });
    return { cancel: () => undefined };
  }
  runGroup();
  return {
    cancel: (cause) => {
      for (const h of active) h.cancel(cause);
      finish({ ok: false, cause });
    },
  };
}

/** `error/<cause>`: fails at once without a channel. */
export const errorDriver: LegDriver = (target, _ctx, report) => {
  report({ failed: toCause(target.toUpperCase(), 'NORMAL_CLEARING') });
  return { cancel: () => undefined };
};

/**
 * `loopback/<exten>[/<context>[/<dialplan>]]`: two channels, `-a` (outbound, returned to originate) and `-b`
 * (inbound, runs the dialplan); answering, progress and hangup travel across the pair.
 */
export function loopbackDriver(engine: CallEngine): LegDriver {
  return (target, ctx, report) => {
    const [exten = '', context = 'default'] = target.split('/');
    const aUuid = ctx.uuid ?? engine.newUuid();
    const bUuid = engine.newUuid();
    const codec = { name: 'L16', rate: '8000', bitRate: '128000' };
    const profile = {
      dialplan: 'xml',
      callerIdName: ctx.cidName,
      callerIdNumber: ctx.cidNum,
      origCallerIdName: ctx.cidName,
      origCallerIdNumber: ctx.cidNum,
      calleeIdName: 'Outbound Call',
      calleeIdNumber: exten,
      ani: ctx.cidNum,
      destinationNumber: exten,
      source: 'mod_loopback',
      context,
    };
    const a = engine.createChannel({
      uuid: aUuid,
      uuidChosen: !!ctx.uuid,
      name: `loopback/${exten}-a`,
      direction: 'outbound',
      endpoint: 'loopback',
      codec,
      profile: { ...profile, direction: 'outbound', logicalDirection: 'outbound' },
      vars: [
        ...ctx.vars,
        ['originate_early_media', 'true'],
        ['originate_endpoint', 'loopback'],
        ['other_loopback_leg_uuid', bUuid],
        ['loopback_leg', 'A'],
      ],
    });
    a.loopbackPeer = bUuid;
    const b = engine.createChannel({
      uuid: bUuid,
      name: `loopback/${exten}-b`,
      direction: 'inbound',
      endpoint: 'loopback',
      codec,
      varsBeforeName: true,
      profile: { ...profile, direction: 'inbound', logicalDirection: 'inbound' },
      vars: [
        ...ctx.vars.filter(([k]) => !k.startsWith('originate_') || k === 'originate_timeout'),
        ['other_loopback_leg_uuid', aUuid],
        ['loopback_leg', 'B'],
      ],
    });
    b.loopbackPeer = aUuid;
    // The -b leg's call_uuid is re-set when it starts routing (it moves behind loopback_leg in the captures).
    b.vars.set('call_uuid', b.uuid);
    let reported = false;
    engine.onAnswer(a, () => {
      if (reported) return;
      reported = true;
      report({ answered: a });
    });
    engine.onHangup(a, (ch) => {
      if (reported) return;
      reported = true;
      report({ failed: ch.hangupCause ?? 'NORMAL_CLEARING' });
    });
    engine.runDialplan(b);
    return {
      cancel: (cause) => {
        if (a.isUp) engine.hangup(a, cause);
      },
    };
  };
}

/**
 * `sofia/<profile>/<user@host>` (not a gateway): a registered softphone is rung like user/; anything else is an
 * unreachable address and fails with NORMAL_TEMPORARY_FAILURE (SIP 503), as in the bgapi-failures capture.
 * `sofia/<profile>/<user>%<domain>` rings the user's registration in that domain; without one, mod_sofia logs
 * "Cannot locate registered user" and fails with NO_ROUTE_DESTINATION before any channel exists
 * (sofia_outgoing_channel, mod_sofia.c).
 */
export function sofiaDriver(engine: CallEngine, userDriver: LegDriver, isRegistered: (user: string, domain?: string) => boolean): LegDriver {
  return (target, ctx, report) => {
    const slash = target.indexOf('/');
    const profileName = slash >= 0 ? target.slice(0, slash) : 'internal';
    const dest = slash >= 0 ? target.slice(slash + 1) : target;
    const pct = dest.indexOf('%');
    if (pct >= 0) {
      const user = dest.slice(0, pct);
      if (isRegistered(user, dest.slice(pct + 1))) return userDriver(user, ctx, report);
      report({ failed: 'NO_ROUTE_DESTINATION' });
      return { cancel: () => undefined };
    }
    const user = dest.replace(/^sip:/, '').split('@')[0] ?? '';
    if (isRegistered(user)) return userDriver(user, ctx, report);
    const name = `sofia/${profileName}/${dest}`;
    const ch = engine.createChannel({
      uuid: ctx.uuid ?? engine.newUuid(),
      uuidChosen: !!ctx.uuid,
      name,
      direction: 'outbound',
      endpoint: 'sofia',
      profile: {
        callerIdName: ctx.cidName,
        callerIdNumber: ctx.cidNum,
        origCallerIdName: ctx.cidName,
        origCallerIdNumber: ctx.cidNum,
        calleeIdName: 'Outbound Call',
        calleeIdNumber: user,
        ani: ctx.cidNum,
        destinationNumber: user,
        source: 'src/switch_ivr_originate.c',
        context: 'default',
      },
      vars: [...ctx.vars, ...sofiaOutboundVars(name, `sip:${dest}`, dest.split('@')[1] ?? dest, engine, profileName)],
    });
    sofiaInviteSent(ch, engine);
    let reported = false;
    const fail = (cause: string): void => {
      if (reported) return;
      reported = true;
      if (ch.isUp) {
        ch.vars.set('sip_reply_port', '0');
        ch.vars.set('sip_network_port', '0');
        ch.vars.set('sip_hangup_disposition', 'recv_refuse');
        ch.vars.set('sip_invite_failure_status', '503');
        ch.vars.set('sip_invite_failure_phrase', 'Service Unavailable');
        engine.hangup(ch, cause);
      }
      report({ failed: cause });
    };
    engine.after(ch, 20, () => fail('NORMAL_TEMPORARY_FAILURE'));
    return { cancel: (cause) => fail(cause) };
  };
}

export const ORIGINATE_USAGE =
  '-USAGE: <call url> <exten>|&<application_name>(<app_args>) [<dialplan>] [<context>] [<cid_name>] [<cid_num>] [<timeout_sec>]\n';

/** The `originate` API: dial, then hand the answered channel to an inline app or a dialplan extension. */
export function originateApi(env: DialEnv, args: string | undefined, done: (out: string) => void): void {
  // mod_commands originate_function: argv[10] space split, -USAGE outside 2..7 arguments, `undef` = not given.
  const { argc, argv } = originateArgs(args ?? '');
  const [dialString, exten, dp, context, cidName, cidNum, timeout] = argv;
  if (argc < 2 || argc > 7 || !dialString || !exten) {
    done(ORIGINATE_USAGE);
    return;
  }
  const engine = env.engine;
  dial(
    env,
    dialString,
    {
      cidName: cidName ?? undefined,
      cidNum: cidNum ?? undefined,
      timeoutSec: timeout ? atoi(timeout) : undefined,
    },
    (r) => {
      if (!r.ok) {
        done(`-ERR ${r.cause}\n`);
        return;
      }
      const a = r.channel;
      // After the originate, the outbound leg's caller/callee ids flip (channel_cid_flipped in the captures).
      const p = a.profile;
      a.vars.set('endpoint_disposition', 'ANSWER');
      a.vars.set('pre_transfer_caller_id_number', p.callerIdNumber);
      a.vars.set('channel_cid_flipped', 'yes');
      a.profile = {
        ...p,
        callerIdName: p.calleeIdName,
        callerIdNumber: p.calleeIdNumber,
        calleeIdName: p.callerIdName,
        calleeIdNumber: p.callerIdNumber,
      };
      a.vars.set('call_uuid', a.uuid);
      // The job result is reported before the channel starts its app (BACKGROUND_JOB precedes the park events).
      done(`+OK ${a.uuid}\n`);
      if (!a.isUp) return;
      const app = parseAppTarget(exten);
      if (app) {
        engine.runDialplan(a, [{ app: app.name, data: app.arg }]);
      } else {
        engine.transfer(a, exten, dp ?? 'XML', context ?? 'default');
      }
    },
  );
}

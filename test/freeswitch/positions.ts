/**
 * Every position a caller-supplied string can take in a builder, with how FreeSWITCH (the mirror) reads the value
 * back out of the built command. A position either refuses a string with UnsafeValueError or carries it exactly.
 */
import type { AppInvocation, FsCommand, MediaPath } from '../../src/freeswitch';
import { api, apps, dialGateway, dialUser, filePath, originate, toneStream } from '../../src/freeswitch';
import { expansionRuns, parseApiArgs, parseDialString, parseOriginate, parseUuidSetvar, parseUuidSetvarMulti, separate } from '../../src/simulator/fs-parse';

const U = '8f6c0a52-2b0e-4d55-9a3b-2f4f2d1c7e01';

export interface Position {
  name: string;
  build(s: string): FsCommand | AppInvocation;
  /** What FreeSWITCH receives for this field, or a string starting with `!` naming a broken structure. */
  decode(out: FsCommand | AppInvocation): string;
}

const cmd = (o: FsCommand | AppInvocation): string => o as string;

/** originate with one leg `user/1001` and a park target: returns the variables when the shape is intact. */
function originateVars(o: FsCommand | AppInvocation, leg = 'user/1001'): Array<[string, string]> | string {
  const p = parseOriginate(cmd(o));
  if (p.argc !== 2) return `!argc ${p.argc}`;
  if (!p.app || p.app.name !== 'park' || p.app.arg !== '') return '!target';
  if (!p.dial) return '!dial parse error';
  if (p.dial.enterprise) return '!enterprise';
  if (p.dial.nestedVars) return '!nested vars';
  if (JSON.stringify(p.dial.legs) !== JSON.stringify([[leg]])) return `!legs ${JSON.stringify(p.dial.legs)}`;
  return p.dial.vars;
}

function oneVar(name: string) {
  return (o: FsCommand | AppInvocation): string => {
    const vars = originateVars(o);
    if (typeof vars === 'string') return vars;
    if (vars.length !== 1 || vars[0]![0] !== name) return `!vars ${JSON.stringify(vars)}`;
    return vars[0]![1];
  };
}

function apiArg(verb: string, index: number, argc: number) {
  return (o: FsCommand | AppInvocation): string => {
    const p = parseApiArgs(cmd(o));
    if (p.cmd !== verb) return `!verb ${p.cmd}`;
    if (p.argv.length !== argc) return `!argc ${p.argv.length}`;
    return p.argv[index]!;
  };
}

function legOf(prefix: string, suffix = '') {
  return (o: FsCommand | AppInvocation): string => {
    const p = parseOriginate(cmd(o));
    const legs = p.dial?.legs;
    if (p.argc !== 2 || !legs || legs.length !== 1 || legs[0]!.length !== 1) return `!legs ${JSON.stringify(legs)}`;
    const leg = legs[0]![0]!;
    if (!leg.startsWith(prefix) || !leg.endsWith(suffix)) return `!leg ${leg}`;
    return leg.slice(prefix.length, leg.length - suffix.length);
  };
}

function appArg(app: string) {
  return (o: FsCommand | AppInvocation): string => {
    const inv = o as AppInvocation;
    if (inv.app !== app) return `!app ${inv.app}`;
    if (expansionRuns(inv.arg)) return '!expansion would rewrite the argument';
    return inv.arg;
  };
}

export const POSITIONS: Position[] = [
  { name: 'originate var value', build: (s) => originate(dialUser('1001'), apps.park(), { v: s }), decode: oneVar('v') },
  { name: 'originate callerIdName', build: (s) => originate(dialUser('1001'), apps.park(), {}, { callerIdName: s }), decode: oneVar('origination_caller_id_name') },
  { name: 'originate callerIdNumber', build: (s) => originate(dialUser('1001'), apps.park(), {}, { callerIdNumber: s }), decode: oneVar('origination_caller_id_number') },
  { name: 'originate originateUuid', build: (s) => originate(dialUser('1001'), apps.park(), {}, { originateUuid: s }), decode: oneVar('origination_uuid') },
  {
    name: 'originate var name',
    build: (s) => originate(dialUser('1001'), apps.park(), { [s]: 'x' }),
    decode: (o) => {
      const vars = originateVars(o);
      if (typeof vars === 'string') return vars;
      return vars.length === 1 && vars[0]![1] === 'x' ? vars[0]![0] : `!vars ${JSON.stringify(vars)}`;
    },
  },
  { name: 'dialUser extension', build: (s) => originate(dialUser(s), apps.park()), decode: legOf('user/') },
  { name: 'dialUser domain', build: (s) => originate(dialUser('1001', s), apps.park()), decode: legOf('user/1001@') },
  { name: 'dialGateway gateway', build: (s) => originate(dialGateway(s, '123'), apps.park()), decode: legOf('sofia/gateway/', '/123') },
  { name: 'dialGateway number', build: (s) => originate(dialGateway('gw', s), apps.park()), decode: legOf('sofia/gateway/gw/') },
  {
    name: 'originate extension target',
    build: (s) => originate(dialUser('1001'), { extension: s }),
    decode: (o) => {
      const p = parseOriginate(cmd(o));
      return p.argc === 2 && !p.app && p.exten !== null ? p.exten : `!argc ${p.argc}`;
    },
  },
  {
    name: 'originate context',
    build: (s) => originate(dialUser('1001'), { extension: '5000', context: s }),
    decode: (o) => {
      const p = parseOriginate(cmd(o));
      return p.argc === 4 && p.context !== null ? p.context : `!argc ${p.argc}`;
    },
  },
  {
    name: 'originate plain bridge target',
    build: (s) => originate(dialUser('1001'), { app: 'bridge', arg: s }),
    decode: (o) => {
      const p = parseOriginate(cmd(o));
      return p.argc === 2 && p.app?.name === 'bridge' ? p.app.arg : `!argc ${p.argc}`;
    },
  },
  { name: 'uuid_kill uuid', build: (s) => api.uuidKill(s), decode: apiArg('uuid_kill', 0, 1) },
  { name: 'uuid_kill cause', build: (s) => api.uuidKill(U, s as never), decode: apiArg('uuid_kill', 1, 2) },
  { name: 'uuid_bridge b', build: (s) => api.uuidBridge(U, s), decode: apiArg('uuid_bridge', 1, 2) },
  { name: 'uuid_transfer dest', build: (s) => api.uuidTransfer(U, s), decode: apiArg('uuid_transfer', 1, 2) },
  { name: 'uuid_transfer context', build: (s) => api.uuidTransfer(U, '5000', { context: s }), decode: apiArg('uuid_transfer', 3, 4) },
  { name: 'uuid_record path', build: (s) => api.uuidRecord(U, 'start', filePath(s)), decode: apiArg('uuid_record', 2, 3) },
  { name: 'uuid_record raw path', build: (s) => api.uuidRecord(U, 'start', s as MediaPath), decode: apiArg('uuid_record', 2, 3) },
  { name: 'uuid_broadcast raw path', build: (s) => api.uuidBroadcast(U, s as MediaPath), decode: apiArg('uuid_broadcast', 1, 3) },
  { name: 'uuid_broadcast tone', build: (s) => api.uuidBroadcast(U, toneStream(s)), decode: (o) => apiArg('uuid_broadcast', 1, 3)(o).replace(/^tone_stream:\/\//, '') },
  {
    name: 'uuid_setvar value',
    build: (s) => api.uuidSetVar(U, 'v', s),
    decode: (o) => {
      const a = parseUuidSetvar(cmd(o));
      return a.length === 3 && a[0] === U && a[1] === 'v' ? a[2]! : `!argv ${JSON.stringify(a)}`;
    },
  },
  { name: 'uuid_setvar name', build: (s) => api.uuidSetVar(U, s, 'x'), decode: (o) => parseUuidSetvar(cmd(o))[1] ?? '!' },
  { name: 'uuid_getvar name', build: (s) => api.uuidGetVar(U, s), decode: apiArg('uuid_getvar', 1, 2) },
  {
    name: 'uuid_setvar_multi value',
    build: (s) => api.uuidSetVarMulti(U, { v: s }),
    decode: (o) => {
      const p = parseUuidSetvarMulti(cmd(o));
      return p.uuid === U && p.pairs.length === 1 && p.pairs[0]![0] === 'v' ? (p.pairs[0]![1] ?? '!null') : `!pairs ${JSON.stringify(p.pairs)}`;
    },
  },
  { name: 'sofia profile', build: (s) => api.sofiaStatusProfileReg(s), decode: apiArg('sofia', 2, 4) },
  {
    name: 'app set value',
    build: (s) => apps.set('v', s),
    decode: (o) => {
      const a = appArg('set')(o);
      return a.startsWith('v=') ? a.slice(2) : a;
    },
  },
  {
    name: 'app bridge var value',
    build: (s) => apps.bridge(dialUser('1002'), { v: s }),
    decode: (o) => {
      const a = appArg('bridge')(o);
      if (a.startsWith('!')) return a;
      const d = parseDialString(a);
      if (!d || d.enterprise || d.nestedVars || JSON.stringify(d.legs) !== '[["user/1002"]]' || d.vars.length !== 1) return '!dial';
      return d.vars[0]![1];
    },
  },
  { name: 'app playback raw path', build: (s) => apps.playback(s as MediaPath), decode: appArg('playback') },
  { name: 'app eavesdrop uuid', build: (s) => apps.eavesdrop(s), decode: appArg('eavesdrop') },
  { name: 'app hangup cause', build: (s) => apps.hangup(s as never), decode: appArg('hangup') },
  {
    name: 'play_and_get_digits regexp',
    build: (s) =>
      apps.playAndGetDigits({ min: 1, max: 4, tries: 1, timeoutMs: 5000, terminators: '#', file: filePath('/a.wav'), invalidFile: filePath('/b.wav'), varName: 'd', regexp: s }),
    decode: (o) => {
      const a = appArg('play_and_get_digits')(o);
      if (a.startsWith('!')) return a;
      const argv = separate(a, ' ', 11);
      return argv.length === 9 ? argv[8]! : `!argc ${argv.length}`;
    },
  },
  {
    name: 'play_and_get_digits file',
    build: (s) =>
      apps.playAndGetDigits({ min: 1, max: 4, tries: 1, timeoutMs: 5000, terminators: '#', file: s as MediaPath, invalidFile: filePath('/b.wav'), varName: 'd', regexp: '^[0-9]+$' }),
    decode: (o) => {
      const a = appArg('play_and_get_digits')(o);
      if (a.startsWith('!')) return a;
      const argv = separate(a, ' ', 11);
      return argv.length === 9 ? argv[5]! : `!argc ${argv.length}`;
    },
  },
  {
    name: 'say value',
    build: (s) => apps.say({ lang: 'en', type: 'NUMBER', method: 'pronounced', value: s }),
    decode: (o) => {
      const a = appArg('say')(o);
      if (a.startsWith('!')) return a;
      const argv = separate(a, ' ', 5);
      return argv.length === 4 ? argv[3]! : `!argc ${argv.length}`;
    },
  },
];

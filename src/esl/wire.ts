import { EslInvalidArgumentError } from './errors';

/**
 * The text of every command the client writes. A CR or LF in any value would end the line and `\n\n` would start
 * a new ESL command (ESL.md, "Injection"), so every value is checked here, even those that already come from the
 * validated builders of src/freeswitch/command.ts: this is the last place before the socket.
 */

const LINE_BREAKING = /[\r\n\0]/;
const EVENT_NAME = /^[A-Za-z0-9_]+$/;
const SUBCLASS = /^[A-Za-z0-9_.:-]+$/;
const HEADER_NAME = /^[A-Za-z0-9_.-]+$/;
const CHANNEL_ID = /^[\x21-\x7e]+$/;
const APP_NAME = /^[A-Za-z0-9_]+$/;
const HANGUP_CAUSE = /^[A-Z_]+$/;

function assertLine(what: string, value: string): void {
  if (typeof value !== 'string' || LINE_BREAKING.test(value)) {
    throw new EslInvalidArgumentError(`${what} must be a string without CR, LF or NUL`);
  }
}

export function authCommand(password: string): string {
  assertLine('password', password);
  return `auth ${password}\n\n`;
}

/** `userauth user@domain:password` (mod_event_socket splits at the first `@`, then the first `:` after it). */
export function userauthCommand(user: string, password: string): string {
  assertLine('user', user);
  assertLine('password', password);
  if (!/^[^@:\s]+@[^@:\s]+$/.test(user)) throw new EslInvalidArgumentError('user must be user@domain without spaces or `:`');
  return `userauth ${user}:${password}\n\n`;
}

export function apiCommand(command: string): string {
  assertLine('api command', command);
  if (command.trim() === '') throw new EslInvalidArgumentError('api command is empty');
  return `api ${command}\n\n`;
}

/** bgapi with our own Job-UUID header (FreeSWITCH honours it), so the BACKGROUND_JOB can be correlated. */
export function bgapiCommand(command: string, jobUuid: string): string {
  assertLine('bgapi command', command);
  if (command.trim() === '') throw new EslInvalidArgumentError('bgapi command is empty');
  return `bgapi ${command}\nJob-UUID: ${jobUuid}\n\n`;
}

/** Checks one subscription entry: an event name (`CHANNEL_ANSWER`, `ALL`) or a CUSTOM subclass (`sofia::register`). */
export function assertEventName(name: string): void {
  const ok = name.includes('::') ? SUBCLASS.test(name) : EVENT_NAME.test(name);
  if (!ok) throw new EslInvalidArgumentError(`invalid event name ${JSON.stringify(name)}`);
}

/**
 * `event json NAMES... [CUSTOM subclass...]`. Entries containing `::` are CUSTOM subclasses. json is the one format
 * the client asks for (no URL decoding, arrays kept); the decoder still reads plain and xml.
 */
export function eventCommand(names: Iterable<string>): string {
  const plain: string[] = [];
  const subclasses: string[] = [];
  let custom = false;
  for (const n of names) {
    assertEventName(n);
    if (n.includes('::')) subclasses.push(n);
    else if (n === 'CUSTOM') custom = true;
    else plain.push(n);
  }
  // FreeSWITCH reads every token after CUSTOM as a subclass, so CUSTOM goes last.
  if (custom || subclasses.length) plain.push('CUSTOM', ...subclasses);
  if (plain.length === 0) throw new EslInvalidArgumentError('no events to subscribe to');
  return `event json ${plain.join(' ')}\n\n`;
}

export function assertFilter(header: string, value: string): void {
  if (!HEADER_NAME.test(header)) throw new EslInvalidArgumentError(`invalid filter header ${JSON.stringify(header)}`);
  assertLine('filter value', value);
  if (value.trim() === '') throw new EslInvalidArgumentError('filter value is empty');
}

export function filterCommand(header: string, value: string): string {
  assertFilter(header, value);
  return `filter ${header} ${value}\n\n`;
}

export function filterDeleteCommand(header: string, value: string): string {
  assertFilter(header, value);
  return `filter delete ${header} ${value}\n\n`;
}

export function assertChannelId(uuid: string): void {
  if (typeof uuid !== 'string' || !CHANNEL_ID.test(uuid)) {
    throw new EslInvalidArgumentError(`invalid channel uuid ${JSON.stringify(uuid)}`);
  }
}

/**
 * sendmsg execute with the argument in a text/plain BODY: a body is read by length, so quotes, newlines or a
 * leading/trailing space in the argument cannot break the message (the execute-app-arg header could not hold them).
 * `event-uuid` comes back as Application-UUID on CHANNEL_EXECUTE(_COMPLETE).
 */
export function executeCommand(uuid: string, app: string, arg: string, eventUuid: string, eventLock: boolean): string {
  assertChannelId(uuid);
  if (!APP_NAME.test(app)) throw new EslInvalidArgumentError(`invalid application name ${JSON.stringify(app)}`);
  if (typeof arg !== 'string' || arg.includes('\0')) {
    throw new EslInvalidArgumentError('application argument must be a string without NUL');
  }
  let msg = `sendmsg ${uuid}\ncall-command: execute\nexecute-app-name: ${app}\nevent-uuid: ${eventUuid}\n`;
  if (eventLock) msg += 'event-lock: true\n';
  if (arg.length === 0) return msg + '\n';
  return msg + `content-type: text/plain\ncontent-length: ${Buffer.byteLength(arg, 'utf8')}\n\n${arg}`;
}

export function hangupCommand(uuid: string, cause: string): string {
  assertChannelId(uuid);
  if (!HANGUP_CAUSE.test(cause)) throw new EslInvalidArgumentError(`invalid hangup cause ${JSON.stringify(cause)}`);
  return `sendmsg ${uuid}\ncall-command: hangup\nhangup-cause: ${cause}\n\n`;
}

export const EXIT_COMMAND = 'exit\n\n';

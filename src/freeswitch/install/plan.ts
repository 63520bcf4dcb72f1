/**
 * What `npm run fs:install` changes in a FreeSWITCH conf folder, as a pure plan: the shipped files copied where
 * FreeSWITCH reads them, and surgical edits of the stock files the README's manual steps touch (one include line in
 * vars.xml, the api-expansion param of switch.conf.xml, load lines in modules.conf.xml). Nothing else is touched,
 * a file the admin already owns (vars.switchboard.xml with their password, xml_curl.conf.xml with their API key) is
 * never overwritten, and a second run plans nothing.
 */
import { preprocessLinesInComments } from '../../simulator/xml-preprocess';

/** The shipped files, by their path under the repository. */
export interface ShippedFiles {
  eventSocket: string;
  varsSwitchboard: string;
  dialplan: string;
  xmlCurl: string;
  amd: string;
}

export interface InstallOptions {
  xmlCurl: boolean;
  amd: boolean;
}

export interface PlannedChange {
  /** Path relative to the conf folder. */
  file: string;
  /** The current text (null: the file does not exist). */
  before: string | null;
  after: string;
  why: string;
}

/** The conf folder as text files (relative path -> content), for the files the plan reads. */
export type ConfReader = (file: string) => string | null;

const INCLUDE_LINE = '  <X-PRE-PROCESS cmd="include" data="vars.switchboard.xml"/>';

export function planInstall(read: ConfReader, shipped: ShippedFiles, o: InstallOptions): { changes: PlannedChange[]; notes: string[] } {
  const changes: PlannedChange[] = [];
  const notes: string[] = [];
  const put = (file: string, after: string, why: string, opts: { keepExisting?: boolean } = {}): void => {
    const before = read(file);
    if (before === after) return;
    if (before !== null && opts.keepExisting) {
      notes.push(`${file} exists: kept as it is (it holds your own secrets); compare it with the shipped one by hand`);
      return;
    }
    changes.push({ file, before, after, why });
  };

  put('autoload_configs/event_socket.conf.xml', shipped.eventSocket, 'ESL on 127.0.0.1:8021 with the loopback ACL and the switchboard_esl_password global');
  put('vars.switchboard.xml', shipped.varsSwitchboard, 'the ESL password global and disable_system_app_commands (edit the password placeholder)', { keepExisting: true });

  const vars = read('vars.xml');
  if (vars === null) notes.push('vars.xml not found: is this a FreeSWITCH conf folder?');
  else if (!includesOutsideComments(vars, 'vars.switchboard.xml')) {
    changes.push({ file: 'vars.xml', before: vars, after: insertBeforeClosingInclude(vars, INCLUDE_LINE), why: 'include vars.switchboard.xml at the end' });
  }

  const sw = read('autoload_configs/switch.conf.xml');
  if (sw === null) notes.push('autoload_configs/switch.conf.xml not found');
  else {
    const after = setSwitchParam(sw, 'api-expansion', 'false');
    if (after !== sw) changes.push({ file: 'autoload_configs/switch.conf.xml', before: sw, after, why: 'api-expansion=false (applies at the next FreeSWITCH restart, not at reloadxml)' });
  }

  put('dialplan/public/00_switchboard.xml', shipped.dialplan, 'inbound DIDs parked with switchboard_did for the service');

  if (o.xmlCurl) {
    put('autoload_configs/xml_curl.conf.xml', shipped.xmlCurl, 'directory and dialplans from the service (paste an admin API key into gateway-credentials)', { keepExisting: true });
    loadModule(read, changes, notes, 'mod_xml_curl');
  }
  if (o.amd) {
    put('autoload_configs/amd.conf.xml', shipped.amd, 'mod_amd settings (mod_amd is third-party: build it first)', { keepExisting: true });
    loadModule(read, changes, notes, 'mod_amd');
  }
  return { changes, notes };
}

function loadModule(read: ConfReader, changes: PlannedChange[], notes: string[], mod: string): void {
  const file = 'autoload_configs/modules.conf.xml';
  const pending = changes.find((c) => c.file === file);
  const text = pending ? pending.after : read(file);
  if (text === null) {
    notes.push(`${file} not found: load ${mod} by hand`);
    return;
  }
  const line = `<load module="${mod}"/>`;
  const active = new RegExp(`^\\s*<load\\s+module="${mod}"\\s*/>`, 'm');
  if (active.test(stripComments(text))) return;
  // A stock file lists many modules commented out: uncomment ours rather than add a second line.
  const commented = new RegExp(`<!--\\s*<load\\s+module="${mod}"\\s*/>\\s*-->`);
  const after = commented.test(text) ? text.replace(commented, line) : insertBefore(text, /<\/modules>/, `    ${line}`);
  if (pending) pending.after = after;
  else changes.push({ file, before: text, after, why: `load ${mod}` });
  if (pending) pending.why += `, load ${mod}`;
}

function stripComments(xml: string): string {
  return xml.replace(/<!--[\s\S]*?-->/g, (c) => c.replace(/[^\n]/g, ' '));
}

function includesOutsideComments(xml: string, file: string): boolean {
  return new RegExp(`<X-PRE-PROCESS\\s+cmd="include"\\s+data="${file.replace(/\./g, '\\.')}"`, 'i').test(stripComments(xml));
}

function insertBefore(text: string, marker: RegExp, line: string): string {
  const stripped = stripComments(text);
  let idx = -1;
  for (const m of stripped.matchAll(new RegExp(marker.source, 'g'))) idx = m.index ?? idx;
  if (idx < 0) return text.endsWith('\n') ? `${text}${line}\n` : `${text}\n${line}\n`;
  const lineStart = text.lastIndexOf('\n', idx - 1) + 1;
  return `${text.slice(0, lineStart)}${line}\n${text.slice(lineStart)}`;
}

function insertBeforeClosingInclude(text: string, line: string): string {
  return insertBefore(text, /<\/include>/, line);
}

/** Sets `<param name=... value=.../>` in `<settings>` (outside comments), or adds it as the first setting. */
export function setSwitchParam(xml: string, name: string, value: string): string {
  const stripped = stripComments(xml);
  const re = new RegExp(`<param\\s+name="${name}"\\s+value="([^"]*)"\\s*/>`, 'g');
  const m = re.exec(stripped);
  if (m) {
    if (m[1] === value) return xml;
    return xml.slice(0, m.index) + `<param name="${name}" value="${value}"/>` + xml.slice(m.index + m[0].length);
  }
  const s = /<settings>/.exec(stripped);
  if (!s) return xml;
  const at = s.index + s[0].length;
  return `${xml.slice(0, at)}\n    <param name="${name}" value="${value}"/>${xml.slice(at)}`;
}

/** Problems that would stop FreeSWITCH from starting with a planned file (pre-processor lines in comments). */
export function planProblems(changes: readonly PlannedChange[]): string[] {
  return changes.flatMap((c) => preprocessLinesInComments(c.after).map((line) => `${c.file}:${line}: pre-processor line inside a comment`));
}

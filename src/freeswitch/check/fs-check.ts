/**
 * `npm run fs:check`: what the service needs of each FreeSWITCH node, asked over ESL, one finding per need:
 * - the modules: mod_event_socket, mod_sofia, mod_conference (required), mod_avmd (beep detection) and the
 *   third-party mod_amd (warnings: campaigns fall back without them);
 * - api-expansion, live (`fsctl api_expansion`): on is a failure of the hardening (switch.conf.xml is read only at
 *   a FreeSWITCH restart, so the file may say false while the running switch still expands);
 * - the inbound dialplan: a loopback call into context `public` for a DID must park with switchboard_did set (the
 *   call carries switchboard_fs_check=true, which the service's IVR ignores), then it is hung up;
 * - the prompt files the service plays (file_exists);
 * - the agents' phones registered (show registrations as json).
 * Pure of I/O but for the node client it is given, so tests run it on the simulator.
 */
import { randomUUID } from 'node:crypto';
import type { ApiReply, JobResult } from '../../esl/client';
import { channelVar, type EslEvent } from '../../esl/types';
import { parseRegistrations } from '../../phones/registrations';
import { fsctlApiExpansion, moduleExists, originate, showRegistrationsJson, uuidKill } from '../api';
import { park } from '../apps';
import type { FsCommand } from '../command';
import { dialLoopback } from '../dial';

export type FindingLevel = 'ok' | 'warn' | 'fail';

export interface Finding {
  check: string;
  level: FindingLevel;
  detail: string;
}

export interface CheckClient {
  api(cmd: FsCommand): Promise<ApiReply>;
  bgapi(cmd: FsCommand, opts?: { timeoutMs?: number }): Promise<JobResult>;
}

export interface FsCheckInput {
  client: CheckClient;
  /** Subscribes to the node's events; returns the unsubscribe function. */
  onEvent(listener: (event: EslEvent) => void): () => void;
  /** DIDs to test the inbound park with (the first bound one is enough). */
  dids: string[];
  /** Prompt files missing on this node (the service's prompt check), or undefined when not checked. */
  missingPrompts?: string[];
  promptsChecked?: number;
  /** Extensions of the configured agents. */
  agentExtensions: string[];
  parkTimeoutMs?: number;
}

const REQUIRED = ['mod_event_socket', 'mod_sofia', 'mod_conference'];
const OPTIONAL: Record<string, string> = {
  mod_avmd: 'campaigns cannot detect a voicemail beep (AMD off when mod_amd is missing too)',
  mod_amd: 'third-party, not part of FreeSWITCH: campaigns run beep-only with mod_avmd (see the README)',
};

export async function runFsCheck(i: FsCheckInput): Promise<Finding[]> {
  const out: Finding[] = [];
  const add = (check: string, level: FindingLevel, detail: string): void => void out.push({ check, level, detail });

  for (const m of [...REQUIRED, ...Object.keys(OPTIONAL)]) {
    const loaded = await ask(i, moduleExists(m));
    if (loaded === undefined) add(`module ${m}`, 'fail', 'module_exists did not answer');
    else if (loaded.trim() === 'true') add(`module ${m}`, 'ok', 'loaded');
    else add(`module ${m}`, REQUIRED.includes(m) ? 'fail' : 'warn', REQUIRED.includes(m) ? 'not loaded (required)' : `not loaded: ${OPTIONAL[m]}`);
  }

  const exp = await ask(i, fsctlApiExpansion());
  const state = /api_expansion is (on|off)/.exec(exp ?? '')?.[1];
  if (state === 'off') add('api-expansion', 'ok', 'off');
  else if (state === 'on')
    add('api-expansion', 'fail', 'on: set api-expansion=false in switch.conf.xml and restart FreeSWITCH (reloadxml does not apply it; `fsctl api_expansion off` does until the next restart)');
  else add('api-expansion', 'warn', `could not read it: ${(exp ?? 'no answer').trim()}`);

  const did = i.dids[0];
  if (!did) add('inbound park', 'warn', 'no DID is bound to an IVR flow: nothing to test');
  else add('inbound park', ...(await parkCheck(i, did)));

  if (i.missingPrompts === undefined) add('prompts', 'warn', 'not checked');
  else if (i.missingPrompts.length === 0) add('prompts', 'ok', `${i.promptsChecked ?? 0} files present`);
  else {
    const shown = i.missingPrompts.slice(0, 10).join(', ');
    const more = i.missingPrompts.length > 10 ? ` and ${i.missingPrompts.length - 10} more` : '';
    add('prompts', 'fail', `${i.missingPrompts.length} missing: ${shown}${more} (npm run prompts -- --dir <PROMPTS_DIR>)`);
  }

  const regs = parseRegistrations((await ask(i, showRegistrationsJson())) ?? '');
  if (!regs) add('agent phones', 'warn', 'could not read show registrations');
  else {
    const registered = new Set(regs.map((r) => r.user));
    const missing = i.agentExtensions.filter((e) => !registered.has(e));
    if (!i.agentExtensions.length) add('agent phones', 'warn', 'no agents configured');
    else if (!missing.length) add('agent phones', 'ok', `${i.agentExtensions.length} registered`);
    else add('agent phones', 'warn', `not registered: ${missing.join(', ')} (they are skipped until they register)`);
  }
  return out;
}

async function ask(i: FsCheckInput, cmd: FsCommand): Promise<string | undefined> {
  try {
    return (await i.client.api(cmd)).body;
  } catch {
    return undefined;
  }
}

async function parkCheck(i: FsCheckInput, did: string): Promise<[FindingLevel, string]> {
  const uuid = randomUUID();
  const timeoutMs = i.parkTimeoutMs ?? 5000;
  let off = (): void => undefined;
  const parked = new Promise<EslEvent | undefined>((resolve) => {
    const t = setTimeout(() => resolve(undefined), timeoutMs);
    off = i.onEvent((e) => {
      if (e.name !== 'CHANNEL_PARK' || channelVar(e, 'switchboard_fs_check') !== 'true' || channelVar(e, 'switchboard_check_id') !== uuid) return;
      clearTimeout(t);
      resolve(e);
    });
  });
  let cmd: FsCommand;
  try {
    cmd = originate(dialLoopback(did, 'public'), park(), { switchboard_fs_check: true, switchboard_check_id: uuid }, { originateUuid: uuid, timeoutSec: Math.ceil(timeoutMs / 1000) });
  } catch (err) {
    off();
    return ['fail', `cannot build the test call: ${(err as Error).message}`];
  }
  const job = i.client.bgapi(cmd, { timeoutMs: timeoutMs + 10_000 }).catch((err: unknown) => ({ ok: false, body: (err as Error).message }) as JobResult);
  const event = await Promise.race([parked, job.then(async (j) => (j.ok ? parked : undefined))]);
  off();
  await i.client.api(uuidKill(uuid, 'NORMAL_CLEARING')).catch(() => undefined);
  if (event) {
    const got = channelVar(event, 'switchboard_did');
    return got === did ? ['ok', `DID ${did} parks in context public with switchboard_did=${did}`] : ['fail', `DID ${did} parked without switchboard_did (${got ?? 'unset'}): install dialplans/public/00_switchboard.xml`];
  }
  const j = await Promise.race([job, Promise.resolve(undefined)]);
  return ['fail', `DID ${did} did not park in context public within ${timeoutMs} ms${j && !j.ok ? ` (${j.body.trim()})` : ''}: is dialplans/public/00_switchboard.xml installed (and reloadxml run)?`];
}

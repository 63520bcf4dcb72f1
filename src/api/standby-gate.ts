/**
 * A standby instance (src/ha/instance-role.ts) serves what the database holds and refuses the rest clearly: writes
 * and the live state (ACD, dialer, supervision sessions: the active instance's memory) answer 503 with the active
 * instance's URL, so a load balancer or a person retries there. What stays open on a standby:
 * - every other GET/HEAD (CDRs, reports, dialplans, users, recordings, audit: read from the database);
 * - logging in (a token from either instance works on both when they share JWT_SECRET);
 * - FreeSWITCH's own posts (mod_xml_curl lookups read configuration; mod_xml_cdr rows merge idempotently), so a
 *   FreeSWITCH pointed at both instances is served by either;
 * - validations and dry runs, which change nothing.
 */
import type { NextFunction, Request, Response } from 'express';
import type { InstanceRoleState } from '../ha/instance-role';
import { HttpProblem } from './problem';

const OPEN_WRITES: readonly RegExp[] = [
  /^\/api\/v1\/auth\/login\/?$/,
  /^\/freeswitch\//,
  /^\/api\/v1\/(ivr\/flows|dialplans)\/validate\/?$/,
  /^\/api\/v1\/ivr\/flows\/[^/]+\/dry-run\/?$/,
];

/**
 * GETs answered from memory: the active instance's live state (a standby has nothing true to say there), and the ACD
 * and IVR configuration, which a standby loaded when it started and reloads only when it takes over.
 */
const LIVE_READS: readonly RegExp[] = [
  /^\/api\/v1\/acd\/(live|me|queues|agents|directory)(\/|$)/,
  /^\/api\/v1\/ivr\/(flows|dids)(\/|$)/,
  /^\/api\/v1\/dialer\/(live|me)(\/|$)/,
  /^\/api\/v1\/supervision\/sessions(\/|$)/,
];

/** True when a standby refuses this request. */
export function standbyRefuses(method: string, path: string): boolean {
  if (method === 'GET' || method === 'HEAD') return LIVE_READS.some((r) => r.test(path));
  if (method === 'OPTIONS') return false;
  return !OPEN_WRITES.some((r) => r.test(path));
}

export function standbyGate(role: () => InstanceRoleState) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const s = role();
    if (s.role === 'active' || !standbyRefuses(req.method, req.path)) {
      next();
      return;
    }
    const where = s.holderUrl ? `the active instance at ${s.holderUrl}` : s.holder ? `the active instance (${s.holder})` : 'the active instance (none holds the lease right now)';
    next(
      new HttpProblem(503, `this Switchboard instance is a standby: writes and live state are served by ${where}`, {
        type: 'standby',
        title: 'Standby instance',
        headers: { 'Retry-After': '1', ...(s.holderUrl ? { 'X-Switchboard-Active': s.holderUrl } : {}) },
      }),
    );
  };
}

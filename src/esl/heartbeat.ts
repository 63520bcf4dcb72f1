import { header, type EslEvent } from './types';

/** What a HEARTBEAT (every 20 s from FreeSWITCH) says about the switch, for stats() and health checks. */
export interface HeartbeatInfo {
  /** When we received it (client clock, ms). */
  at: number;
  sessionCount?: number;
  sessionPerSec?: number;
  idleCpu?: number;
  uptimeMsec?: number;
  maxSessions?: number;
}

function num(event: EslEvent, name: string): number | undefined {
  const v = header(event, name);
  if (v === undefined || v.trim() === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

export function heartbeatInfo(event: EslEvent, at: number): HeartbeatInfo {
  return {
    at,
    sessionCount: num(event, 'Session-Count'),
    sessionPerSec: num(event, 'Session-Per-Sec'),
    idleCpu: num(event, 'Idle-CPU'),
    uptimeMsec: num(event, 'Uptime-msec'),
    maxSessions: num(event, 'Max-Sessions'),
  };
}

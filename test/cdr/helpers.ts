import Transport from 'winston-transport';
import winston from 'winston';
import type { CdrInput } from '../../src/cdr/cdr-from-event';
import type { Logger } from '../../src/log/logger';

export interface LogEntry {
  level: string;
  message: string;
  [key: string]: unknown;
}

/** A real winston logger that keeps every entry in memory. */
export function captureLogger(): { logger: Logger; entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  class Capture extends Transport {
    override log(info: LogEntry, next: () => void): void {
      entries.push(info);
      next();
    }
  }
  return { logger: winston.createLogger({ level: 'silly', transports: [new Capture()] }), entries };
}

/** Polls (with real timers) until `cond` holds. */
export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Lets pending promise callbacks run (a few macrotask turns). */
export async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((r) => setImmediate(r));
}

const T0 = Date.UTC(2026, 0, 10, 9, 0, 0);

/** A realistic CDR: an inbound call to a queue number, answered after a few seconds. */
export function sampleCdr(i: number, over: Partial<CdrInput> = {}): CdrInput {
  const start = T0 + i * 1_000;
  const answered = i % 5 !== 0;
  return {
    uuid: `c0ffee00-0000-4000-8000-${String(i).padStart(12, '0')}`,
    fs_node: i % 2 ? 'fs-a' : 'fs-b',
    direction: i % 3 ? 'inbound' : 'outbound',
    caller_number: `+1555${String(1_000_000 + i).slice(-7)}`,
    caller_name: `Caller ${i}`,
    destination_number: i % 4 ? '5000' : '5100',
    callee_number: answered ? `10${i % 50}` : null,
    callee_name: answered ? `Agent ${i % 50}` : null,
    context: 'default',
    channel_name: `sofia/external/+1555${i}@203.0.113.9`,
    start_at: new Date(start),
    answer_at: answered ? new Date(start + 4_000) : null,
    end_at: new Date(start + 94_000),
    duration_s: 94,
    billsec: answered ? 90 : 0,
    wait_s: answered ? 4 : 0,
    progress_s: 1,
    answer_s: answered ? 4 : null,
    hangup_cause: answered ? 'NORMAL_CLEARING' : 'NO_ANSWER',
    hangup_cause_q850: answered ? 16 : 19,
    sip_hangup_disposition: 'send_bye',
    bridged_uuid: answered ? `b1d9e000-0000-4000-8000-${String(i).padStart(12, '0')}` : null,
    call_uuid: `c0ffee00-0000-4000-8000-${String(i).padStart(12, '0')}`,
    variables: { sip_call_id: `${i}@203.0.113.9`, sip_user_agent: 'Carrier SBC 5.1', last_app: 'bridge', billmsec: '90012' },
    ...over,
  };
}

export { TcpProxy } from '../../src/faults/tcp-proxy';

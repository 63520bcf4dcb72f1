/**
 * Calls FreeSWITCH could not place at all (CHAN_NOT_IMPLEMENTED, INVALID_GATEWAY, a permission error, a dial string
 * the service cannot build): configuration faults of the switch or the service, never the agent's. Each is logged at
 * error level (at most once a minute per distinct text, so a broken dial-string does not flood the log), counted in
 * `switchboard_dial_config_errors_total`, and keeps /healthz degraded until a call reaches a phone again.
 */
import type { Clock } from '../clock/clock';
import type { Logger } from '../log/logger';

export interface DialFault {
  /** Who dialled: acd_offer, manual_outbound, supervision, dialer, ... */
  source: string;
  node: string;
  /** The cause (CHAN_NOT_IMPLEMENTED) or `config` when the service could not build the command. */
  cause: string;
  detail: string;
}

export interface DialFaultsHealth {
  status: 'ok' | 'failing';
  /** Faults since the last call that reached a phone. */
  failures: number;
  last_error?: string;
  last_error_at?: string;
}

export interface DialFaultsOptions {
  clock: Clock;
  logger: Logger;
  /** Counts each fault (a prom-client counter's inc). */
  count?: (fault: DialFault) => void;
}

const LOG_EVERY_MS = 60_000;

export class DialFaults {
  private failures = 0;
  private last?: { text: string; at: number };
  private readonly logged = new Map<string, number>();
  private readonly log: Logger;

  constructor(private readonly o: DialFaultsOptions) {
    this.log = o.logger.child({ module: 'dialing' });
  }

  record(fault: DialFault): void {
    const now = this.o.clock.now();
    this.failures++;
    const text = `${fault.source} on ${fault.node}: ${fault.cause}: ${fault.detail}`;
    this.last = { text, at: now };
    this.o.count?.(fault);
    const key = `${fault.source}|${fault.cause}|${fault.detail}`;
    const before = this.logged.get(key);
    if (before === undefined || now - before >= LOG_EVERY_MS) {
      this.logged.set(key, now);
      if (this.logged.size > 1000) this.logged.delete(this.logged.keys().next().value!);
      this.log.error('FreeSWITCH could not place a call: check the configuration (not counted against the agent)', { ...fault });
    }
  }

  /** A call reached a phone (it rang, answered, was rejected or busy): dialing works again. */
  reachedPhone(): void {
    if (this.failures === 0) return;
    this.log.info('calls reach phones again', { failures: this.failures });
    this.failures = 0;
  }

  health(): DialFaultsHealth {
    if (this.failures === 0) return { status: 'ok', failures: 0 };
    return {
      status: 'failing',
      failures: this.failures,
      ...(this.last ? { last_error: this.last.text, last_error_at: new Date(this.last.at).toISOString() } : {}),
    };
  }
}

/**
 * Ctrl-C for the demo: a graceful stop (drain, then the JSON summary), however many copies of the signal arrive.
 *
 * One Ctrl-C in a terminal reaches the demo more than once: the terminal sends SIGINT to the whole foreground process
 * group, and `npm run` forwards its own copy to its child (@npmcli/run-script, signal-manager.js). Treating the second
 * copy as "stop now" threw the summary away. So signals within `graceMs` of the first are the same request; one after
 * that (a user pressing Ctrl-C again while the demo drains) forces the exit.
 */
import type { Clock } from '../clock/clock';

export interface StopSignalsOptions {
  clock: Clock;
  signals?: readonly NodeJS.Signals[];
  /** How long repeated signals count as the first one (default 2 s). */
  graceMs?: number;
  /** The graceful stop; called once. */
  onStop(signal: NodeJS.Signals): void;
  /** A signal after the grace period, while the stop is still running. */
  onForce(signal: NodeJS.Signals): void;
  /** Where the signals come from (default: process). */
  source?: Pick<NodeJS.EventEmitter, 'on' | 'off'>;
}

/** Installs the handlers; returns a function that removes them. */
export function onStopSignals(o: StopSignalsOptions): () => void {
  const source = o.source ?? process;
  const signals = o.signals ?? ['SIGINT', 'SIGTERM'];
  const graceMs = o.graceMs ?? 2_000;
  let firstAt: number | null = null;
  const handler = (signal: NodeJS.Signals): void => {
    const now = o.clock.now();
    if (firstAt === null) {
      firstAt = now;
      o.onStop(signal);
    } else if (now - firstAt > graceMs) {
      o.onForce(signal);
    }
  };
  for (const s of signals) source.on(s, handler);
  return () => {
    for (const s of signals) source.off(s, handler);
  };
}

/**
 * Ctrl-C handling of the demo (src/demo/stop-signals.ts): the copies of one Ctrl-C (terminal + npm's forward) are one
 * graceful stop; a later one forces the exit.
 */
import { EventEmitter } from 'node:events';
import { VirtualClock } from '../../src/clock/clock';
import { onStopSignals } from '../../src/demo/stop-signals';

function setup() {
  const clock = new VirtualClock();
  const source = new EventEmitter();
  const stops: string[] = [];
  const forces: string[] = [];
  const off = onStopSignals({ clock, source, graceMs: 2_000, onStop: (s) => stops.push(s), onForce: (s) => forces.push(s) });
  return { clock, source, stops, forces, off };
}

describe('demo stop signals', () => {
  it('SIGINT twice at once (terminal and npm) is one graceful stop, no forced exit', () => {
    const w = setup();
    w.source.emit('SIGINT', 'SIGINT');
    w.clock.advance(5);
    w.source.emit('SIGINT', 'SIGINT');
    w.clock.advance(1_995); // still within 2 s of the first
    w.source.emit('SIGTERM', 'SIGTERM');
    expect(w.stops).toEqual(['SIGINT']);
    expect(w.forces).toEqual([]);
  });

  it('a signal after the grace period forces the exit', () => {
    const w = setup();
    w.source.emit('SIGTERM', 'SIGTERM');
    w.clock.advance(2_001);
    w.source.emit('SIGINT', 'SIGINT');
    expect(w.stops).toEqual(['SIGTERM']);
    expect(w.forces).toEqual(['SIGINT']);
  });

  it('removes its handlers', () => {
    const w = setup();
    expect(w.source.listenerCount('SIGINT')).toBe(1);
    w.off();
    expect(w.source.listenerCount('SIGINT') + w.source.listenerCount('SIGTERM')).toBe(0);
  });
});

/**
 * The demo's traffic model (src/demo/traffic.ts): how many arrivals become inbound callers for the ACD. Before issue
 * 9 every arrival that found the outbound softphones busy was sent inbound, so the queues got ~46% of the calls
 * instead of 30% and fell behind for good.
 */
import { arrivalKind } from '../../src/demo/traffic';
import { Rng } from '../../src/random/rng';

describe('demo traffic: arrivals', () => {
  it('an arrival is inbound by its share only; busy softphones drop the outbound call', () => {
    expect(arrivalKind(0.1, 0.2, 0)).toBe('inbound');
    expect(arrivalKind(0.5, 0.2, 3)).toBe('outbound');
    expect(arrivalKind(0.5, 0.2, 0)).toBe('none');
  });

  it('the inbound share stays the configured one however busy the outbound side is', () => {
    const rng = new Rng(3);
    for (const freePhones of [0, 1, 20]) {
      let inbound = 0;
      for (let i = 0; i < 20_000; i++) if (arrivalKind(rng.next(), 0.2, freePhones) === 'inbound') inbound++;
      expect(inbound / 20_000).toBeCloseTo(0.2, 1);
    }
  });
});

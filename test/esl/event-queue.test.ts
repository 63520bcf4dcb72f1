import { VirtualClock } from '../../src/clock/clock';
import { EventQueue } from '../../src/esl';
import type { Logger } from '../../src/log/logger';

const nextTick = (): Promise<void> => new Promise((r) => setImmediate(r));

function fakeLogger(): { logger: Logger; warnings: Array<Record<string, unknown>>; errors: number } {
  const state = { warnings: [] as Array<Record<string, unknown>>, errors: 0 };
  const logger = {
    warn: (_m: string, meta: Record<string, unknown>) => state.warnings.push(meta),
    error: () => state.errors++,
  } as unknown as Logger;
  return { logger, get warnings() { return state.warnings; }, get errors() { return state.errors; } };
}

describe('EventQueue', () => {
  it('push never delivers synchronously; delivery keeps FIFO order', async () => {
    const got: number[] = [];
    const { logger } = fakeLogger();
    const q = new EventQueue<number>({ max: 10, deliver: (n) => got.push(n), logger, clock: new VirtualClock() });
    q.push(1);
    q.push(2);
    expect(got).toEqual([]);
    expect(q.depth).toBe(2);
    await nextTick();
    expect(got).toEqual([1, 2]);
    expect(q.depth).toBe(0);
  });

  it('overflow drops the oldest, counts and logs at most once per interval', async () => {
    const got: number[] = [];
    const log = fakeLogger();
    const clock = new VirtualClock();
    const q = new EventQueue<number>({ max: 3, deliver: (n) => got.push(n), logger: log.logger, clock, dropLogIntervalMs: 1000 });
    for (let i = 0; i < 10; i++) q.push(i);
    expect(q.dropped).toBe(7);
    expect(log.warnings).toHaveLength(1);
    clock.advance(1000);
    expect(log.warnings).toHaveLength(2);
    expect(log.warnings.map((w) => w.dropped)).toEqual([1, 6]);
    await nextTick();
    expect(got).toEqual([7, 8, 9]);
  });

  it('a throwing consumer is logged and delivery continues', async () => {
    const got: number[] = [];
    const log = fakeLogger();
    const q = new EventQueue<number>({
      max: 10,
      deliver: (n) => {
        if (n === 1) throw new Error('boom');
        got.push(n);
      },
      logger: log.logger,
      clock: new VirtualClock(),
    });
    [0, 1, 2].forEach((n) => q.push(n));
    await nextTick();
    expect(got).toEqual([0, 2]);
    expect(log.errors).toBe(1);
  });

  it('a slow consumer yields to I/O between batches', async () => {
    const log = fakeLogger();
    let delivered = 0;
    const q = new EventQueue<number>({
      max: 1000,
      deliver: () => {
        const until = Date.now() + 1;
        while (Date.now() < until) {
          /* slow */
        }
        delivered++;
      },
      logger: log.logger,
      clock: new VirtualClock(),
      batchBudgetMs: 5,
    });
    for (let i = 0; i < 200; i++) q.push(i);
    await nextTick();
    expect(delivered).toBeGreaterThan(0);
    expect(delivered).toBeLessThan(200);
    while (q.depth > 0) await nextTick();
    expect(delivered).toBe(200);
  });
});

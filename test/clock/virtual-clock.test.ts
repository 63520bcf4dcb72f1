import { VirtualClock } from '../../src/clock/clock';

describe('VirtualClock', () => {
  it('fires timers in time order, including timers scheduled by timers', () => {
    const clock = new VirtualClock(1000);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`b@${clock.now()}`), 20);
    clock.setTimeout(() => {
      fired.push(`a@${clock.now()}`);
      clock.setTimeout(() => fired.push(`c@${clock.now()}`), 5);
    }, 10);
    clock.advance(30);
    expect(fired).toEqual(['a@1010', 'c@1015', 'b@1020']);
    expect(clock.now()).toBe(1030);
  });

  it('does not fire cancelled or future timers', () => {
    const clock = new VirtualClock(0);
    const fired: number[] = [];
    clock.setTimeout(() => fired.push(1), 10).cancel();
    clock.setTimeout(() => fired.push(2), 100);
    clock.advance(50);
    expect(fired).toEqual([]);
    expect(clock.pending()).toBe(1);
  });
});

import { queueConfigSchema, DEFAULT_QUEUE_CONFIG, queuePatchSchema } from '../../src/acd/config-store';
import { priorityWithVip } from '../../src/acd/vip-priority';

describe('VIP priority mapping', () => {
  const mapping = { '1': 10, '3': 30, '5': 900 };

  it('adds the priority the queue maps to the caller VIP level, capped at 1000', () => {
    expect(priorityWithVip(5, mapping, '1')).toBe(15);
    expect(priorityWithVip(0, mapping, '3')).toBe(30);
    expect(priorityWithVip(500, mapping, '5')).toBe(1000);
  });

  it('adds nothing for an unmapped level, no profile (0 or absent), a malformed value or a queue without a mapping', () => {
    expect(priorityWithVip(5, mapping, '2')).toBe(5);
    expect(priorityWithVip(5, mapping, '0')).toBe(5);
    expect(priorityWithVip(5, mapping, undefined)).toBe(5);
    expect(priorityWithVip(5, mapping, '3 ')).toBe(5);
    expect(priorityWithVip(5, mapping, 'constructor')).toBe(5);
    expect(priorityWithVip(5, undefined, '3')).toBe(5);
  });

  it('is an optional queue setting: levels 1-5, priorities 0-1000', () => {
    expect(queueConfigSchema.safeParse({ ...DEFAULT_QUEUE_CONFIG, name: 'q' }).success).toBe(true);
    expect(queuePatchSchema.parse({ vipPriority: { '1': 10, '5': 50 } })).toEqual({ vipPriority: { '1': 10, '5': 50 } });
    for (const bad of [{ '6': 10 }, { '0': 10 }, { vip: 1 }, { '1': -1 }, { '1': 1001 }, { '1': 1.5 }]) {
      expect(queuePatchSchema.safeParse({ vipPriority: bad }).success).toBe(false);
    }
  });
});

import { dueAt, isOverdue, parseSla, slaMinutes, type SlaCategory } from '../../src/tickets/sla';

const tree = new Map<number, SlaCategory>([
  [1, { id: 1, parent_id: null, sla: { low: 4320, normal: 1440, high: 240, urgent: 60 } }],
  [2, { id: 2, parent_id: 1, sla: { urgent: 30 } }],
  [3, { id: 3, parent_id: 2, sla: {} }],
  [4, { id: 4, parent_id: null, sla: {} }],
]);

describe('SLA due times', () => {
  const created = new Date(Date.UTC(2026, 2, 28, 23, 30)); // the night Europe moves its clocks: calendar minutes only

  it('takes the category minutes for the priority, or the nearest ancestor that sets them', () => {
    expect(slaMinutes(tree, 2, 'urgent')).toBe(30);
    expect(slaMinutes(tree, 2, 'high')).toBe(240);
    expect(slaMinutes(tree, 3, 'urgent')).toBe(30);
    expect(slaMinutes(tree, 3, 'low')).toBe(4320);
    expect(slaMinutes(tree, 4, 'normal')).toBeNull();
    expect(slaMinutes(tree, 99, 'normal')).toBeNull();
  });

  it('due = creation + minutes; no SLA means no due time', () => {
    expect(dueAt(tree, 1, 'normal', created)?.toISOString()).toBe('2026-03-29T23:30:00.000Z');
    expect(dueAt(tree, 3, 'urgent', created)?.toISOString()).toBe('2026-03-29T00:00:00.000Z');
    expect(dueAt(tree, 4, 'urgent', created)).toBeNull();
  });

  it('survives a cycle in a corrupted tree', () => {
    const cyclic = new Map<number, SlaCategory>([
      [1, { id: 1, parent_id: 2, sla: {} }],
      [2, { id: 2, parent_id: 1, sla: {} }],
    ]);
    expect(slaMinutes(cyclic, 1, 'low')).toBeNull();
  });

  it('overdue: past due and not resolved or closed', () => {
    const due = new Date(Date.UTC(2026, 0, 1, 12));
    const after = due.getTime() + 1;
    expect(isOverdue({ status: 'open', due_at: due }, after)).toBe(true);
    expect(isOverdue({ status: 'waiting_customer', due_at: due }, after)).toBe(true);
    expect(isOverdue({ status: 'open', due_at: due }, due.getTime())).toBe(false);
    expect(isOverdue({ status: 'resolved', due_at: due }, after)).toBe(false);
    expect(isOverdue({ status: 'closed', due_at: due }, after)).toBe(false);
    expect(isOverdue({ status: 'open', due_at: null }, after)).toBe(false);
  });

  it('parses stored SLAs, treating bad ones as none', () => {
    expect(parseSla('{"normal": 60}')).toEqual({ normal: 60 });
    expect(parseSla('{"normal": -1}')).toEqual({});
    expect(parseSla('not json')).toEqual({});
  });
});

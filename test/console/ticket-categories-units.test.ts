/**
 * The ticket pages' pure helpers (web/src/tickets/categories.ts): the category tree in display order, the SLA a
 * category inherits (the same rule as src/tickets/sla.ts), and SLA minutes as text.
 */
import { slaMinutes, type SlaCategory } from '../../src/tickets/sla';
import { categoryTree, effectiveSla, minutesText } from '../../web/src/tickets/categories';
import type { Category } from '../../web/src/tickets/types';

const at = '2026-01-01T00:00:00.000Z';
const c = (id: number, name: string, parent_id: number | null, sla: Category['sla'] = {}, active = true): Category => ({ id, name, parent_id, sla, active, created_at: at, updated_at: at });

const items = [c(4, 'Refunds', 1, { urgent: 30 }), c(1, 'Support', null, { normal: 1440, high: 240 }), c(2, 'Billing', null), c(5, 'Card', 4), c(3, 'Address', 1), c(9, 'Orphan', 77, { low: 10 })];

describe('categoryTree', () => {
  it('lists each parent before its children, siblings by name, with depth and path', () => {
    expect(categoryTree(items).map((n) => [n.path, n.depth])).toEqual([
      ['Billing', 0],
      ['Orphan', 0],
      ['Support', 0],
      ['Support › Address', 1],
      ['Support › Refunds', 1],
      ['Support › Refunds › Card', 2],
    ]);
  });

  it('never loops on a cycle and drops nothing', () => {
    const cyclic = [c(1, 'A', 2), c(2, 'B', 1), c(3, 'C', null)];
    expect(categoryTree(cyclic).map((n) => n.path)).toEqual(['C', 'A', 'A › B']);
  });
});

describe('effectiveSla', () => {
  it('takes the category own minutes, else the nearest ancestor, as the service computes the due time', () => {
    const map = new Map<number, SlaCategory>(items.map((i) => [i.id, { id: i.id, parent_id: i.parent_id, sla: i.sla }]));
    for (const id of [1, 2, 3, 4, 5, 9])
      for (const p of ['low', 'normal', 'high', 'urgent'] as const) {
        const mine = effectiveSla(items, id, p);
        expect(mine?.minutes ?? null).toBe(slaMinutes(map, id, p));
      }
    expect(effectiveSla(items, 5, 'high')).toMatchObject({ minutes: 240, from: { name: 'Support' } });
    expect(effectiveSla(items, 5, 'urgent')).toMatchObject({ minutes: 30, from: { name: 'Refunds' } });
    expect(effectiveSla(items, 2, 'normal')).toBeNull();
  });
});

describe('minutesText', () => {
  it('reads as days, hours and minutes', () => {
    expect([30, 60, 90, 240, 1440, 1530, 4320].map(minutesText)).toEqual(['30 min', '1 h', '1 h 30 min', '4 h', '1 d', '1 d 1 h 30 min', '3 d']);
  });
});

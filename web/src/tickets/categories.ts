/** The category tree as the API returns it (a flat list with parent_id), for pickers and the admin list. */
import type { Category } from './types';

export interface CategoryNode {
  category: Category;
  depth: number;
  /** "Support › Refunds" */
  path: string;
}

/**
 * Depth-first order, each parent before its children, siblings by name. A category whose parent is missing from the
 * list is shown at the top level rather than dropped.
 */
export function categoryTree(items: readonly Category[]): CategoryNode[] {
  const ids = new Set(items.map((c) => c.id));
  const children = new Map<number | null, Category[]>();
  for (const c of items) {
    const parent = c.parent_id !== null && ids.has(c.parent_id) ? c.parent_id : null;
    children.set(parent, [...(children.get(parent) ?? []), c]);
  }
  const out: CategoryNode[] = [];
  const seen = new Set<number>();
  const walk = (parent: number | null, depth: number, prefix: string) => {
    for (const c of [...(children.get(parent) ?? [])].sort((a, b) => a.name.localeCompare(b.name))) {
      if (seen.has(c.id)) continue;
      seen.add(c.id);
      const path = prefix ? `${prefix} › ${c.name}` : c.name;
      out.push({ category: c, depth, path });
      walk(c.id, depth + 1, path);
    }
  };
  walk(null, 0, '');
  // A cycle (which the API refuses) would hide its members: they are listed at the top level instead.
  for (const c of items)
    if (!seen.has(c.id)) {
      seen.add(c.id);
      out.push({ category: c, depth: 0, path: c.name });
      walk(c.id, 1, c.name);
    }
  return out;
}

/** The SLA minutes that apply to `priority` in a category: its own, else the nearest ancestor's (as the API computes). */
export function effectiveSla(items: readonly Category[], id: number, priority: string): { minutes: number; from: Category } | null {
  const byId = new Map(items.map((c) => [c.id, c]));
  const seen = new Set<number>();
  for (let c = byId.get(id); c && !seen.has(c.id); c = c.parent_id === null ? undefined : byId.get(c.parent_id)) {
    seen.add(c.id);
    const m = (c.sla as Record<string, number | undefined>)[priority];
    if (m !== undefined) return { minutes: m, from: c };
  }
  return null;
}

/** 90 -> "1 h 30 min", 1440 -> "1 d". */
export function minutesText(m: number): string {
  const d = Math.floor(m / 1440);
  const h = Math.floor((m % 1440) / 60);
  const min = m % 60;
  return [d ? `${d} d` : '', h ? `${h} h` : '', min || m === 0 ? `${min} min` : ''].filter(Boolean).join(' ');
}

/**
 * Every page of the console: its route, its title in the navigation and the roles that see it. The API enforces
 * the same roles; hiding a page is only convenience.
 */
import { lazy, type ComponentType } from 'react';
import type { Role } from './lib/session';

export interface PageDef {
  /** Route pattern in the hash, e.g. `/admin/flows/:name`. Patterns with parameters are not listed in the nav. */
  route: string;
  title: string;
  roles: readonly Role[];
  /** Navigation group. */
  group: 'Agent' | 'Supervisor' | 'Admin';
  component: ComponentType<{ params: Record<string, string> }>;
  /** Hidden from the navigation (detail pages). */
  hidden?: boolean;
  /** Listed for supervisors and admins only when their user is an ACD agent (the live feed's hello says so). */
  agentRowOnly?: boolean;
}

export type PageComponent = PageDef['component'];

/**
 * A page loaded when first opened (its own chunk): an agent's tablet never downloads the admin editors, the flow
 * graph's layout library or the chart library it does not show.
 */
export function lazyPage<M>(load: () => Promise<M>, name: keyof M): PageComponent {
  return lazy(async () => ({ default: (await load())[name] as unknown as PageComponent }));
}

import type { PageDef } from '../pages';
import { AgentDesktop } from './desktop';

/** Agents; supervisors and admins too when their user has an agent row (the page says so when it has none; the nav lists it only then). */
export const agentPages: PageDef[] = [{ route: '/agent', title: 'Agent desktop', roles: ['agent', 'supervisor', 'admin'], group: 'Agent', component: AgentDesktop, agentRowOnly: true }];

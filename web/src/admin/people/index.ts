import type { PageDef } from '../../pages';
import { AgentsPage } from './agents-page';
import { QueuesPage } from './queues-page';
import { SipAccountsPage } from './sip-accounts-page';
import { UsersPage } from './users-page';

const ADMIN = ['admin'] as const;

export const adminPeoplePages: PageDef[] = [
  { route: '/admin/users', title: 'Users', roles: ADMIN, group: 'Admin', component: UsersPage },
  { route: '/admin/sip-accounts', title: 'SIP accounts', roles: ADMIN, group: 'Admin', component: SipAccountsPage },
  { route: '/admin/queues', title: 'Queues', roles: ADMIN, group: 'Admin', component: QueuesPage },
  { route: '/admin/agents', title: 'Agents', roles: ADMIN, group: 'Admin', component: AgentsPage },
];

import { lazyPage, type PageDef } from '../../pages';

const AgentsPage = lazyPage(() => import('./agents-page'), 'AgentsPage');
const QueuesPage = lazyPage(() => import('./queues-page'), 'QueuesPage');
const SipAccountsPage = lazyPage(() => import('./sip-accounts-page'), 'SipAccountsPage');
const UsersPage = lazyPage(() => import('./users-page'), 'UsersPage');

const ADMIN = ['admin'] as const;

export const adminPeoplePages: PageDef[] = [
  { route: '/admin/users', title: 'Users', roles: ADMIN, group: 'Admin', component: UsersPage },
  { route: '/admin/sip-accounts', title: 'SIP accounts', roles: ADMIN, group: 'Admin', component: SipAccountsPage },
  { route: '/admin/queues', title: 'Queues', roles: ADMIN, group: 'Admin', component: QueuesPage },
  { route: '/admin/agents', title: 'Agents', roles: ADMIN, group: 'Admin', component: AgentsPage },
];

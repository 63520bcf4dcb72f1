import type { PageDef } from '../../pages';
import { DialplanPage } from './dialplan-page';
import { DialplansPage } from './dialplans-page';

export const adminDialplansPages: PageDef[] = [
  { route: '/admin/dialplans', title: 'Dialplans', roles: ['admin'], group: 'Admin', component: DialplansPage },
  { route: '/admin/dialplans/:context', title: 'Dialplan', roles: ['admin'], group: 'Admin', component: DialplanPage, hidden: true },
];

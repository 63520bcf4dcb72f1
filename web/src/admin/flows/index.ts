import type { PageDef } from '../../pages';
import { FlowPage } from './flow-page';
import { FlowsPage } from './flows-page';

export const adminFlowsPages: PageDef[] = [
  { route: '/admin/flows', title: 'IVR flows', roles: ['admin'], group: 'Admin', component: FlowsPage },
  { route: '/admin/flows/:name', title: 'IVR flow', roles: ['admin'], group: 'Admin', component: FlowPage, hidden: true },
];

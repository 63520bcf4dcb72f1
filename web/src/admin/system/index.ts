import type { PageDef } from '../../pages';
import { NodesPage } from './nodes-page';

export const adminSystemPages: PageDef[] = [{ route: '/admin/nodes', title: 'Nodes', roles: ['admin'], group: 'Admin', component: NodesPage }];

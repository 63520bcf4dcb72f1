import { lazyPage, type PageDef } from '../../pages';

const NodesPage = lazyPage(() => import('./nodes-page'), 'NodesPage');

export const adminSystemPages: PageDef[] = [{ route: '/admin/nodes', title: 'Nodes', roles: ['admin'], group: 'Admin', component: NodesPage }];

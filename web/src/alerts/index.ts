import { lazyPage, type PageDef } from '../pages';

const AlertsPage = lazyPage(() => import('./alerts-page'), 'AlertsPage');

/** KPI alerts: supervisors and admins see and acknowledge them; admins also manage the rules (the API enforces it). */
export const alertPages: PageDef[] = [{ route: '/supervisor/alerts', title: 'Alerts', roles: ['supervisor', 'admin'], group: 'Supervisor', component: AlertsPage }];

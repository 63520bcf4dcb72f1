import { lazyPage, type PageDef } from '../pages';

const PeriodReportsPage = lazyPage(() => import('./period-reports-page'), 'PeriodReportsPage');

/** Period reports (local periods of the center's time zone), beside the older UTC ACD reports page. */
export const periodReportPages: PageDef[] = [{ route: '/reports/periods', title: 'Period reports', roles: ['supervisor', 'admin'], group: 'Supervisor', component: PeriodReportsPage }];

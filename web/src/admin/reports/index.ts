import { lazyPage, type PageDef } from '../../pages';

const AuditPage = lazyPage(() => import('./audit-page'), 'AuditPage');
const ReportsPage = lazyPage(() => import('./reports-page'), 'ReportsPage');

export const adminReportsPages: PageDef[] = [
  // The API lets supervisors read reports; the audit log is admin only.
  { route: '/admin/reports', title: 'Reports', roles: ['admin', 'supervisor'], group: 'Supervisor', component: ReportsPage },
  { route: '/admin/audit', title: 'Audit log', roles: ['admin'], group: 'Admin', component: AuditPage },
];

import { createElement } from 'react';
import type { PageDef } from '../../pages';
import { DialplanPage } from './dialplan-page';
import { DialplansPage } from './dialplans-page';

/** Keyed by the context: opening another context starts a fresh editor. */
function DialplanRoute({ params }: { params: Record<string, string> }) {
  return createElement(DialplanPage, { key: params.context, params });
}

export const adminDialplansPages: PageDef[] = [
  { route: '/admin/dialplans', title: 'Dialplans', roles: ['admin'], group: 'Admin', component: DialplansPage },
  { route: '/admin/dialplans/:context', title: 'Dialplan', roles: ['admin'], group: 'Admin', component: DialplanRoute, hidden: true },
];

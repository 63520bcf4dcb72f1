import { createElement } from 'react';
import { lazyPage, type PageDef } from '../../pages';

const DialplanPage = lazyPage(() => import('./dialplan-page'), 'DialplanPage');
const DialplansPage = lazyPage(() => import('./dialplans-page'), 'DialplansPage');

/** Keyed by the context: opening another context starts a fresh editor. */
function DialplanRoute({ params }: { params: Record<string, string> }) {
  return createElement(DialplanPage, { key: params.context, params });
}

export const adminDialplansPages: PageDef[] = [
  { route: '/admin/dialplans', title: 'Dialplans', roles: ['admin'], group: 'Admin', component: DialplansPage },
  { route: '/admin/dialplans/:context', title: 'Dialplan', roles: ['admin'], group: 'Admin', component: DialplanRoute, hidden: true },
];

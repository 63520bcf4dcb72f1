import { createElement } from 'react';
import { lazyPage, type PageDef } from '../../pages';

const FlowPage = lazyPage(() => import('./flow-page'), 'FlowPage');
const FlowsPage = lazyPage(() => import('./flows-page'), 'FlowsPage');

/** Keyed by the flow name: opening another flow starts a fresh editor (no text carried over from the last one). */
function FlowRoute({ params }: { params: Record<string, string> }) {
  return createElement(FlowPage, { key: params.name, params });
}

export const adminFlowsPages: PageDef[] = [
  { route: '/admin/flows', title: 'IVR flows', roles: ['admin'], group: 'Admin', component: FlowsPage },
  { route: '/admin/flows/:name', title: 'IVR flow', roles: ['admin'], group: 'Admin', component: FlowRoute, hidden: true },
];

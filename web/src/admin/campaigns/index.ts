import { lazyPage, type PageDef } from '../../pages';

const CampaignPage = lazyPage(() => import('./campaign-page'), 'CampaignPage');
const CampaignsPage = lazyPage(() => import('./campaigns-page'), 'CampaignsPage');
const DncPage = lazyPage(() => import('./dnc-page'), 'DncPage');

const ADMIN = ['admin'] as const;

export const adminCampaignsPages: PageDef[] = [
  { route: '/admin/campaigns', title: 'Campaigns', roles: ADMIN, group: 'Admin', component: CampaignsPage },
  { route: '/admin/campaigns/:id', title: 'Campaign', roles: ADMIN, group: 'Admin', component: CampaignPage, hidden: true },
  { route: '/admin/dnc', title: 'DNC', roles: ADMIN, group: 'Admin', component: DncPage },
];

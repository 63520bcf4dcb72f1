import type { PageDef } from '../../pages';
import { CampaignPage } from './campaign-page';
import { CampaignsPage } from './campaigns-page';
import { DncPage } from './dnc-page';

const ADMIN = ['admin'] as const;

export const adminCampaignsPages: PageDef[] = [
  { route: '/admin/campaigns', title: 'Campaigns', roles: ADMIN, group: 'Admin', component: CampaignsPage },
  { route: '/admin/campaigns/:id', title: 'Campaign', roles: ADMIN, group: 'Admin', component: CampaignPage, hidden: true },
  { route: '/admin/dnc', title: 'DNC', roles: ADMIN, group: 'Admin', component: DncPage },
];

import { lazyPage, type PageDef } from '../pages';

const CampaignsPage = lazyPage(() => import('./campaigns'), 'CampaignsPage');
const RecordingsPage = lazyPage(() => import('./recordings'), 'RecordingsPage');
const WallboardPage = lazyPage(() => import('./wallboard'), 'WallboardPage');

/** Supervisor pages (team-scoped by the API); admins see them too and land on the wallboard. */
export const supervisorPages: PageDef[] = [
  { route: '/supervisor/wallboard', title: 'Wallboard', roles: ['supervisor', 'admin'], group: 'Supervisor', component: WallboardPage },
  { route: '/supervisor/campaigns', title: 'Campaigns', roles: ['supervisor', 'admin'], group: 'Supervisor', component: CampaignsPage },
  { route: '/supervisor/recordings', title: 'Recordings', roles: ['supervisor', 'admin'], group: 'Supervisor', component: RecordingsPage },
];

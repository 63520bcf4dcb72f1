import { lazyPage, type PageDef } from '../pages';

const ProfilesPage = lazyPage(() => import('./profiles-page'), 'ProfilesPage');
const ProfilePage = lazyPage(() => import('./profile-page'), 'ProfilePage');

/** Caller profiles: supervisors and admins write, agents read (the API's rule); one entry per navigation group. */
export const profilePages: PageDef[] = [
  { route: '/profiles', title: 'Caller profiles', roles: ['agent'], group: 'Agent', component: ProfilesPage },
  { route: '/profiles', title: 'Caller profiles', roles: ['supervisor', 'admin'], group: 'Supervisor', component: ProfilesPage },
  { route: '/profiles/:id', title: 'Caller profile', roles: ['agent', 'supervisor', 'admin'], group: 'Agent', component: ProfilePage, hidden: true },
];

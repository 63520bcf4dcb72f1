import type { PageDef } from '../pages';
import { adminCampaignsPages } from './campaigns';
import { adminDialplansPages } from './dialplans';
import { adminFlowsPages } from './flows';
import { adminPeoplePages } from './people';
import { adminReportsPages } from './reports';
import { adminSystemPages } from './system';

/** Admin pages, in navigation order. */
export const adminPages: PageDef[] = [
  ...adminPeoplePages,
  ...adminFlowsPages,
  ...adminDialplansPages,
  ...adminCampaignsPages,
  ...adminReportsPages,
  ...adminSystemPages,
];

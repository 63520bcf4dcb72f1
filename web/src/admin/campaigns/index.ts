import type { PageDef } from '../../pages';

export const adminCampaignsPages: PageDef[] = [];

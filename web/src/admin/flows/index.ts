import type { PageDef } from '../../pages';

export const adminFlowsPages: PageDef[] = [];

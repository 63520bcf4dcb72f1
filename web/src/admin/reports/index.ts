import type { PageDef } from '../../pages';

export const adminReportsPages: PageDef[] = [];

import type { PageDef } from '../../pages';

export const adminSystemPages: PageDef[] = [];

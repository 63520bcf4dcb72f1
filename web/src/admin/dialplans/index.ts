import type { PageDef } from '../../pages';

export const adminDialplansPages: PageDef[] = [];

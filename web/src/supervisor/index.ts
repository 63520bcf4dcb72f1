import type { PageDef } from '../pages';

export const supervisorPages: PageDef[] = [];

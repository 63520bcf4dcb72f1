import type { PageDef } from '../../pages';

export const adminPeoplePages: PageDef[] = [];

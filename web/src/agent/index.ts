import type { PageDef } from '../pages';

export const agentPages: PageDef[] = [];

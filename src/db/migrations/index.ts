import { InitialSchema1767225600000 } from './1767225600000-initial-schema';

/**
 * Every migration, oldest first. Listed explicitly (no glob): the same list works under tsx, jest and a build.
 * A new migration is a class here with a later timestamp; it must handle both dialects (see dialect.ts).
 */
export const allMigrations = [InitialSchema1767225600000];

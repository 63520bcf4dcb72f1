import { ApiKeySchema } from './api-key';
import { AuditLogSchema } from './audit-log';
import { CdrSchema } from './cdr';
import { UserSchema } from './user';

export { ApiKeySchema, type ApiKeyRow } from './api-key';
export { AuditLogSchema, type AuditActorType, type AuditLogRow } from './audit-log';
export { CDR_LIMITS, CdrSchema, type CdrDirection, type CdrRow } from './cdr';
export { sqlDateTime } from './columns';
export { UserSchema, type Role, type UserRow } from './user';

/** Every entity, for the DataSource. */
export const allEntities = [UserSchema, ApiKeySchema, CdrSchema, AuditLogSchema];

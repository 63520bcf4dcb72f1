/**
 * Roles, highest first: admin > supervisor > agent. A role's rank says what it may do; route guards name the
 * roles they admit explicitly (requireRole) so that the OpenAPI document can list them.
 */
export const ROLES = ['admin', 'supervisor', 'agent'] as const;
export type Role = (typeof ROLES)[number];

const RANK: Record<Role, number> = { admin: 3, supervisor: 2, agent: 1 };

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** True when `role` is `minimum` or above it. */
export function roleAtLeast(role: Role, minimum: Role): boolean {
  return RANK[role] >= RANK[minimum];
}

/** The roles at `minimum` or above, highest first: `rolesAtLeast('supervisor')` is `['admin', 'supervisor']`. */
export function rolesAtLeast(minimum: Role): Role[] {
  return ROLES.filter((r) => roleAtLeast(r, minimum));
}

import type { Role } from './roles';

/** Who is making a request: a signed-in user (JWT) or a machine (API key). */
export type Principal =
  | { kind: 'user'; id: number; username: string; role: Role }
  | { kind: 'api_key'; id: number; name: string; role: Role };

export function principalName(p: Principal): string {
  return p.kind === 'user' ? p.username : p.name;
}

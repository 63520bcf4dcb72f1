import { randomBytes } from 'node:crypto';
import bcrypt from 'bcryptjs';

/** bcrypt work factor for stored passwords. */
export const BCRYPT_COST = 12;
export const PASSWORD_MIN_LENGTH = 12;
/** bcrypt only reads the first 72 bytes; longer passwords are refused rather than silently truncated. */
export const PASSWORD_MAX_BYTES = 72;

export class PasswordPolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PasswordPolicyError';
  }
}

/** Returns what is wrong with `password`, or undefined when it is acceptable. */
export function passwordProblem(password: string): string | undefined {
  if (typeof password !== 'string') return 'must be a string';
  if ([...password].length < PASSWORD_MIN_LENGTH) return `must be at least ${PASSWORD_MIN_LENGTH} characters`;
  if (Buffer.byteLength(password, 'utf8') > PASSWORD_MAX_BYTES) return `must be at most ${PASSWORD_MAX_BYTES} bytes`;
  if (password.trim().length === 0) return 'must not be blank';
  return undefined;
}

export function assertPasswordPolicy(password: string): void {
  const problem = passwordProblem(password);
  if (problem) throw new PasswordPolicyError(`password ${problem}`);
}

/** Hashes a password that satisfies the policy (throws PasswordPolicyError otherwise). */
export async function hashPassword(password: string, cost: number = BCRYPT_COST): Promise<string> {
  assertPasswordPolicy(password);
  return bcrypt.hash(password, cost);
}

/**
 * Compares in bcrypt's constant time. Never throws: a malformed stored hash simply fails. A password over bcrypt's
 * 72-byte input limit never matches (it could not have been set through hashPassword).
 */
export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  if (typeof password !== 'string' || typeof hash !== 'string') return false;
  if (Buffer.byteLength(password, 'utf8') > PASSWORD_MAX_BYTES) {
    // Still spend the time, so the response does not say which branch was taken.
    await safeCompare('x', hash);
    return false;
  }
  return safeCompare(password, hash);
}

async function safeCompare(password: string, hash: string): Promise<boolean> {
  try {
    return await bcrypt.compare(password, hash);
  } catch {
    return false;
  }
}

const dummyHashes = new Map<number, Promise<string>>();

/**
 * A hash of a random password at `cost`, made once per process, so that a login for an unknown user spends the
 * same bcrypt time as one for a known user.
 */
export function dummyHash(cost: number = BCRYPT_COST): Promise<string> {
  let h = dummyHashes.get(cost);
  if (!h) {
    h = bcrypt.hash(randomBytes(24).toString('base64url'), cost);
    dummyHashes.set(cost, h);
  }
  return h;
}

import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import jwt from 'jsonwebtoken';
import type { Clock } from '../clock/clock';
import type { Config } from '../config/config';
import type { Logger } from '../log/logger';
import { isRole, type Role } from './roles';

const ISSUER = 'switchboard';
export const JWT_SECRET_FILE = 'jwt-secret';

/**
 * The JWT signing secret: config.auth.jwtSecret when set; otherwise (never in production) a random 48-byte
 * secret generated once and kept in `<dataDir>/jwt-secret` (mode 0600), so tokens survive a restart.
 */
export function resolveJwtSecret(config: Pick<Config, 'env' | 'dataDir' | 'auth'>, logger?: Logger): string {
  if (config.auth.jwtSecret) return config.auth.jwtSecret;
  if (config.env === 'production') throw new Error('JWT_SECRET is required when NODE_ENV=production');
  const file = path.join(config.dataDir, JWT_SECRET_FILE);
  fs.mkdirSync(config.dataDir, { recursive: true });
  try {
    const secret = randomBytes(48).toString('base64url');
    fs.writeFileSync(file, secret + '\n', { mode: 0o600, flag: 'wx' });
    logger?.info('generated a JWT secret', { file });
    return secret;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const mode = fs.statSync(file).mode & 0o777;
  if (mode & 0o077) {
    fs.chmodSync(file, 0o600);
    logger?.warn('JWT secret file was readable by others; set its mode to 0600', { file });
  }
  const secret = fs.readFileSync(file, 'utf8').trim();
  if (secret.length < 32) throw new Error(`${file} holds a secret shorter than 32 characters; delete it to regenerate`);
  return secret;
}

/** Changes whenever the password does, so that setting a new password ends the sessions of the old one. */
export function passwordVersion(passwordHash: string): string {
  return createHash('sha256').update(passwordHash).digest('base64url').slice(0, 16);
}

export interface TokenClaims {
  /** User id, as a string (JWT convention). */
  sub: string;
  role: Role;
  username: string;
  /** Password version (see passwordVersion). */
  pwv: string;
  iat: number;
  exp: number;
}

export interface IssuedToken {
  token: string;
  expiresAt: Date;
}

export class TokenError extends Error {
  constructor(
    message: string,
    readonly expired = false,
  ) {
    super(message);
    this.name = 'TokenError';
  }
}

/** HS256 access tokens. Time comes from the injected clock, both when signing and when checking expiry. */
export class TokenService {
  constructor(
    private readonly secret: string,
    readonly ttlSeconds: number,
    private readonly clock: Clock,
  ) {
    if (secret.length < 32) throw new Error('JWT secret must be at least 32 characters');
  }

  issue(user: { id: number; username: string; role: Role; password_hash: string }): IssuedToken {
    const iat = Math.floor(this.clock.now() / 1000);
    const exp = iat + this.ttlSeconds;
    const payload = { sub: String(user.id), role: user.role, username: user.username, pwv: passwordVersion(user.password_hash), iat, exp };
    const token = jwt.sign(payload, this.secret, { algorithm: 'HS256', issuer: ISSUER });
    return { token, expiresAt: new Date(exp * 1000) };
  }

  /** Checks signature, algorithm, issuer and expiry; throws TokenError. */
  verify(token: string): TokenClaims {
    let decoded: string | jwt.JwtPayload;
    try {
      decoded = jwt.verify(token, this.secret, {
        algorithms: ['HS256'],
        issuer: ISSUER,
        clockTimestamp: Math.floor(this.clock.now() / 1000),
      });
    } catch (err) {
      if (err instanceof jwt.TokenExpiredError) throw new TokenError('token has expired', true);
      throw new TokenError('token is invalid');
    }
    if (typeof decoded === 'string') throw new TokenError('token is invalid');
    const { sub, role, username, pwv, iat, exp } = decoded as Record<string, unknown>;
    if (typeof sub !== 'string' || !/^\d+$/.test(sub) || !isRole(role) || typeof username !== 'string' || typeof pwv !== 'string')
      throw new TokenError('token is invalid');
    if (typeof iat !== 'number' || typeof exp !== 'number') throw new TokenError('token is invalid');
    return { sub, role, username, pwv, iat, exp };
  }
}

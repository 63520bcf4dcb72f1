import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import jwt from 'jsonwebtoken';
import { resolveJwtSecret, TokenError, TokenService } from '../../src/auth/tokens';
import { VirtualClock } from '../../src/clock/clock';
import { loadConfig } from '../../src/config/config';

const SECRET = 's'.repeat(40);
const user = { id: 7, username: 'alice', role: 'supervisor' as const, password_hash: '$2b$04$abcdefghijklmnopqrstuv' };

describe('resolveJwtSecret', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-jwt-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('uses JWT_SECRET when set and writes no file', () => {
    const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dir, JWT_SECRET: SECRET });
    expect(resolveJwtSecret(config)).toBe(SECRET);
    expect(fs.existsSync(path.join(dir, 'jwt-secret'))).toBe(false);
  });

  it('otherwise generates a 48-byte secret once, persisted with mode 0600', () => {
    const config = loadConfig({ NODE_ENV: 'development', DATA_DIR: path.join(dir, 'nested') });
    const a = resolveJwtSecret(config);
    const file = path.join(dir, 'nested', 'jwt-secret');
    expect(Buffer.from(a, 'base64url')).toHaveLength(48);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(resolveJwtSecret(config)).toBe(a);
  });

  it('tightens loose permissions on an existing file', () => {
    const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dir });
    fs.writeFileSync(path.join(dir, 'jwt-secret'), 'x'.repeat(64), { mode: 0o644 });
    fs.chmodSync(path.join(dir, 'jwt-secret'), 0o644);
    expect(resolveJwtSecret(config)).toBe('x'.repeat(64));
    expect(fs.statSync(path.join(dir, 'jwt-secret')).mode & 0o777).toBe(0o600);
  });

  it('never generates one in production', () => {
    expect(() => resolveJwtSecret({ env: 'production', dataDir: dir, auth: { tokenTtlSeconds: 60 } })).toThrow(/JWT_SECRET/);
  });
});

describe('TokenService', () => {
  it('issues HS256 tokens with sub, role, username and the configured lifetime', () => {
    const clock = new VirtualClock(Date.UTC(2026, 0, 1));
    const ts = new TokenService(SECRET, 3600, clock);
    const { token, expiresAt } = ts.issue(user);
    expect(expiresAt.toISOString()).toBe('2026-01-01T01:00:00.000Z');
    const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString());
    expect(header.alg).toBe('HS256');
    const claims = ts.verify(token);
    expect(claims).toMatchObject({ sub: '7', role: 'supervisor', username: 'alice' });
    expect(claims.exp - claims.iat).toBe(3600);
  });

  it('rejects expired tokens by the injected clock', () => {
    const clock = new VirtualClock();
    const ts = new TokenService(SECRET, 600, clock);
    const { token } = ts.issue(user);
    clock.advance(599_000);
    expect(ts.verify(token).sub).toBe('7');
    clock.advance(1_000);
    expect(() => ts.verify(token)).toThrow(TokenError);
    try {
      ts.verify(token);
    } catch (e) {
      expect((e as TokenError).expired).toBe(true);
    }
  });

  it('rejects tampered, foreign-key, alg=none and non-JWT tokens', () => {
    const clock = new VirtualClock();
    const ts = new TokenService(SECRET, 600, clock);
    const { token } = ts.issue(user);
    const [h, p, s] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), role: 'admin' })).toString('base64url');
    expect(() => ts.verify(`${h}.${forged}.${s}`)).toThrow(TokenError);
    const other = new TokenService('o'.repeat(40), 600, clock).issue(user).token;
    expect(() => ts.verify(other)).toThrow(TokenError);
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const now = Math.floor(clock.now() / 1000);
    const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: '7', role: 'admin', username: 'x', pwv: 'x', iss: 'switchboard', iat: now, exp: now + 60 })}.`;
    // Same claims, HS512 with the right secret: still refused (only HS256 is accepted).
    const hs512 = jwt.sign({ sub: '7', role: 'admin', username: 'x', pwv: 'x', iat: now, exp: now + 60 }, SECRET, { algorithm: 'HS512', issuer: 'switchboard' });
    expect(() => ts.verify(hs512)).toThrow(TokenError);
    expect(() => ts.verify(none)).toThrow(TokenError);
    expect(() => ts.verify('garbage')).toThrow(TokenError);
  });
});

import bcrypt from 'bcryptjs';
import { BCRYPT_COST, dummyHash, hashPassword, passwordProblem, PasswordPolicyError, verifyPassword } from '../../src/auth/password';

describe('password hashing', () => {
  it('hashes with bcrypt at cost 12 by default and verifies', async () => {
    const hash = await hashPassword('correct horse battery');
    expect(BCRYPT_COST).toBe(12);
    expect(bcrypt.getRounds(hash)).toBe(12);
    expect(hash).not.toContain('correct horse');
    await expect(verifyPassword('correct horse battery', hash)).resolves.toBe(true);
    await expect(verifyPassword('correct horse batterY', hash)).resolves.toBe(false);
  });

  it('refuses passwords shorter than 12 characters or longer than 72 bytes', async () => {
    expect(passwordProblem('short')).toMatch(/at least 12/);
    expect(passwordProblem('elevenchars')).toMatch(/at least 12/);
    expect(passwordProblem('twelve chars')).toBeUndefined();
    expect(passwordProblem('x'.repeat(73))).toMatch(/72 bytes/);
    expect(passwordProblem('é'.repeat(40))).toMatch(/72 bytes/); // 80 bytes in UTF-8
    expect(passwordProblem(' '.repeat(12))).toMatch(/blank/);
    await expect(hashPassword('short', 4)).rejects.toBeInstanceOf(PasswordPolicyError);
  });

  it('never throws on a malformed stored hash or over-long input', async () => {
    await expect(verifyPassword('whatever-password', 'not a hash')).resolves.toBe(false);
    const hash = await hashPassword('x'.repeat(72), 4);
    // bcrypt would compare only the first 72 bytes; a longer password must not match.
    await expect(verifyPassword('x'.repeat(72) + 'y', hash)).resolves.toBe(false);
  });

  it('has a dummy hash of the same cost for unknown users, made once', async () => {
    const a = await dummyHash(4);
    const b = await dummyHash(4);
    expect(a).toBe(b);
    expect(bcrypt.getRounds(a)).toBe(4);
    await expect(verifyPassword('anything-at-all', a)).resolves.toBe(false);
  });
});

/**
 * The first database connection at start-up: a MySQL/MariaDB server that is not listening yet (compose starts both
 * at once) is retried for a while with a warning per attempt; errors that waiting cannot fix fail at once.
 */
import net from 'node:net';
import { systemClock } from '../../src/clock/clock';
import { isUnreachableDatabaseError, openDatabase } from '../../src/db/data-source';
import { captureLogger } from '../cdr/helpers';
import { engines, inCi, probeMariadb, TEST_MYSQL_URL } from '../helpers/databases';

/** A port on 127.0.0.1 where nothing listens (taken, then released). */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('openDatabase: waiting for the database server', () => {
  it('retries a refused connection until the window ends, logging each attempt, then throws the cause', async () => {
    const port = await freePort();
    const { logger, entries } = captureLogger();
    const started = Date.now();
    const err = await openDatabase(
      { type: 'mysql', url: `mysql://root@127.0.0.1:${port}/nothing` },
      { logger, connectRetry: { clock: systemClock, forMs: 1_500, backoff: () => 100 } },
    ).catch((e: unknown) => e);
    expect(isUnreachableDatabaseError(err)).toBe(true);
    expect((err as { code: string }).code).toBe('ECONNREFUSED');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_500);
    const warnings = entries.filter((e) => e.message === 'database unreachable, retrying');
    expect(warnings.length).toBeGreaterThanOrEqual(2);
    expect(warnings[0]).toMatchObject({ level: 'warn', attempt: 1, database: `mysql://root@127.0.0.1:${port}/nothing` });
    const giveUp = entries.filter((e) => e.message === 'database unreachable, giving up');
    expect(giveUp).toEqual([expect.objectContaining({ level: 'error', attempts: warnings.length + 1 })]);
  });

  it('without connectRetry a refused connection fails on the first attempt', async () => {
    const port = await freePort();
    const { logger, entries } = captureLogger();
    await expect(openDatabase({ type: 'mysql', url: `mysql://root@127.0.0.1:${port}/nothing` }, { logger })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(entries.filter((e) => e.message.startsWith('database unreachable'))).toEqual([]);
  });

  it('tells unreachable servers from errors that waiting cannot fix', () => {
    for (const code of ['ECONNREFUSED', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'PROTOCOL_CONNECTION_LOST']) {
      expect(isUnreachableDatabaseError(Object.assign(new Error(code), { code }))).toBe(true);
    }
    for (const code of ['ER_ACCESS_DENIED_ERROR', 'ER_BAD_DB_ERROR', 'ENOTFOUND', undefined]) {
      expect(isUnreachableDatabaseError(Object.assign(new Error(String(code)), { code }))).toBe(false);
    }
    expect(isUnreachableDatabaseError(null)).toBe(false);
  });
});

const mariadb = probeMariadb();
const describeMariadb = mariadb.ok ? describe : inCi() ? describe : describe.skip;
if (!mariadb.ok && !inCi()) console.warn(`skipping the MariaDB start-up retry tests: ${mariadb.reason}`);

describeMariadb('openDatabase: a MariaDB that comes up late [mariadb]', () => {
  it('connects and migrates once the server starts listening within the window', async () => {
    const db = await engines.mariadb.open({ migrate: false });
    const target = new URL(TEST_MYSQL_URL);
    const port = await freePort();
    const url = new URL(db.config.type === 'mysql' ? db.config.url : '');
    url.port = String(port);
    // The "server" comes up 700 ms later: a TCP relay on the refused port to the real MariaDB.
    const relay = net.createServer((client) => {
      const upstream = net.connect(Number(target.port || 3306), target.hostname);
      client.pipe(upstream).pipe(client);
      const end = (): void => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
    });
    const late = setTimeout(() => relay.listen(port, '127.0.0.1'), 700);
    const { logger, entries } = captureLogger();
    try {
      const ds = await openDatabase({ type: 'mysql', url: url.toString() }, { logger, connectRetry: { clock: systemClock, forMs: 20_000, backoff: () => 200 } });
      try {
        const rows = (await ds.query('SELECT COUNT(*) AS n FROM migrations')) as Array<{ n: number | string }>;
        expect(Number(rows[0]!.n)).toBeGreaterThan(0);
      } finally {
        await ds.destroy();
      }
      expect(entries.filter((e) => e.message === 'database unreachable, retrying').length).toBeGreaterThanOrEqual(1);
      expect(entries.filter((e) => e.message === 'database unreachable, giving up')).toEqual([]);
    } finally {
      clearTimeout(late);
      await new Promise<void>((resolve) => (relay.listening ? relay.close(() => resolve()) : resolve()));
      await db.close();
    }
  });

  it('a refused login fails at once, without waiting out the window', async () => {
    const url = new URL(TEST_MYSQL_URL);
    url.username = 'switchboard_no_such_user';
    url.password = 'wrong';
    const started = Date.now();
    const { logger, entries } = captureLogger();
    await expect(
      openDatabase({ type: 'mysql', url: url.toString() }, { logger, connectRetry: { clock: systemClock, forMs: 30_000 } }),
    ).rejects.toMatchObject({ code: 'ER_ACCESS_DENIED_ERROR' });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(entries.filter((e) => e.message.startsWith('database unreachable'))).toEqual([]);
  });
});

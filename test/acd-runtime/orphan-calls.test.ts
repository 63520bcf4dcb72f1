/**
 * Queue calls another instance left open when it died, whose calls ended before a new instance took over: found by
 * findOrphans (open, not on the switch, not held in memory) and closed by closeOrphans as answered (an answer was
 * written, or the caller's CDR shows a bridge) or abandoned, at the CDR's end time.
 */
import { AcdHistoryWriter } from '../../src/acd/history-store';
import { CdrWriter } from '../../src/cdr/cdr-writer';
import { silentLogger } from '../../src/log/logger';
import { sampleCdr } from '../cdr/helpers';
import { describeEachEngine, type TestDatabase } from '../helpers/databases';

describeEachEngine('orphaned queue calls after a takeover', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await engine.open();
  });
  afterAll(() => db?.close());

  it('closes the calls that ended unseen, answered or abandoned, and leaves the live and the closed ones alone', async () => {
    const t0 = Date.UTC(2026, 11, 7, 10);
    const dead = new AcdHistoryWriter(db.ds, { logger: silentLogger, flushMs: 0 });
    const entry = (id: string) => ({ id, node: 'fs1', queue: 'q', priority: 0, callerNumber: '+14155550100', enteredAt: t0 });
    for (const id of ['answered', 'bridged', 'waited', 'live', 'done']) dead.callEntered(entry(id));
    dead.callUpdate('answered', { answeredAt: t0 + 5_000, agentId: 3 });
    dead.callUpdate('done', { answeredAt: t0 + 1_000, endedAt: t0 + 9_000, outcome: 'answered' }, true);
    await dead.flush();
    await dead.close();
    // The caller of "bridged" talked (its CDR says so) though the dead instance never wrote the answer.
    const cdrs = new CdrWriter(db.ds, { logger: silentLogger, flushMs: 0, batchSize: 10 });
    cdrs.enqueue({ ...sampleCdr(1), uuid: 'bridged', end_at: new Date(t0 + 30_000), bridged_uuid: 'agent-leg-1' });
    cdrs.enqueue({ ...sampleCdr(2), uuid: 'waited', end_at: new Date(t0 + 12_000), bridged_uuid: null });
    await cdrs.flush();
    await cdrs.close();

    const next = new AcdHistoryWriter(db.ds, { logger: silentLogger, flushMs: 0 });
    const orphans = await next.findOrphans('fs1', new Set(['live']));
    expect(orphans.sort()).toEqual(['answered', 'bridged', 'waited']);
    expect(await next.closeOrphans(orphans, t0 + 60_000)).toBe(3);
    await next.flush();
    const rows = (await db.ds.query('SELECT id, outcome, ended_at, talk_ms, wait_ms FROM acd_queue_calls ORDER BY id')) as Array<Record<string, unknown>>;
    const byId = new Map(rows.map((r) => [String(r.id), r]));
    expect(byId.get('answered')).toMatchObject({ outcome: 'answered', talk_ms: 55_000 });
    expect(byId.get('bridged')).toMatchObject({ outcome: 'answered' });
    expect(new Date(byId.get('bridged')!.ended_at as string).getTime()).toBe(t0 + 30_000);
    expect(byId.get('waited')).toMatchObject({ outcome: 'abandoned', wait_ms: 12_000 });
    expect(byId.get('live')).toMatchObject({ outcome: null, ended_at: null });
    expect(byId.get('done')).toMatchObject({ outcome: 'answered' });
    await next.close();
  });
});

/**
 * The dialer's database side (DialerStore) on both engines: which leads are due and in what order, claiming a lead
 * for a dial, applying an attempt's result, callbacks, and the ledger the pacer and the reports read back. Times
 * carry milliseconds on purpose: both engines store DATETIME(3) in UTC, and SQLite compares them as text.
 */
import type { DataSource } from 'typeorm';
import { sqlDateTime } from '../../src/db/entities/columns';
import { CallbackRequestSchema, LeadSchema, type LeadRow, type LedgerRow } from '../../src/db/entities/dialer';
import type { PreparedLead } from '../../src/dialer/leads/csv-import';
import { LeadStore } from '../../src/dialer/leads/store';
import type { DialOutcome } from '../../src/dialer/outcomes';
import { DialerStore, type LedgerEntry } from '../../src/dialer/runtime/dialer-store';
import { describeEachEngine, type TestDatabase } from '../helpers/databases';

const now = new Date('2026-06-01T12:00:00.123Z');
const at = (minutes: number) => new Date(now.getTime() + minutes * 60_000);

const prepared = (phone: string): PreparedLead => ({ phone_e164: phone, phone_raw: phone.slice(2), name: null, fields: {}, time_zones: [] });

describeEachEngine('dialer store', (engine) => {
  let db: TestDatabase;
  let ds: DataSource;
  let leads: LeadStore;
  let store: DialerStore;
  let seq = 0;

  // One migrated database per engine; every test makes its own campaign (names are unique), so tests stay apart.
  beforeAll(async () => {
    db = await engine.open();
    ds = db.ds;
    leads = new LeadStore(ds, () => now);
    store = new DialerStore(ds);
  });
  afterAll(() => db?.close());

  const newCampaign = async (): Promise<number> => {
    const c = await leads.createCampaign({ name: `c${++seq}`, type: 'progressive', queue: 'sales', timezone: 'UTC', window_start: '00:00', window_end: '23:59' });
    return c.id;
  };

  /** `n` new leads with distinct numbers, in import (id) order. */
  const addLeads = async (campaignId: number, n: number): Promise<LeadRow[]> => {
    const phones = Array.from({ length: n }, (_, i) => `+1415${String(campaignId).padStart(3, '0')}${String(i).padStart(4, '0')}`);
    expect(await leads.upsertBatch(campaignId, phones.map(prepared))).toEqual({ inserted: n, merged: 0 });
    const rows = await leads.listLeads(campaignId, 0, 1000);
    expect(rows.map((r) => r.phone_e164)).toEqual(phones);
    return rows;
  };

  /** Puts a lead in a state directly (the store's own writers are tested separately). */
  const setLead = (id: number, patch: Partial<Pick<LeadRow, 'status' | 'attempts' | 'next_attempt_at' | 'callback_at' | 'callback_agent_id'>>) =>
    ds.getRepository(LeadSchema).update({ id }, patch);

  const reload = async (id: number): Promise<LeadRow> => (await store.getLead(id))!;

  describe('dueLeads', () => {
    it('returns callbacks whose time came, then due retries by time, then new leads by id', async () => {
      const c = await newCampaign();
      const [n1, n2, r30, r10, cb5, cb20, rNow, future, cbFuture, dialing, done, failed, own] = await addLeads(c, 13);
      await setLead(r30!.id, { status: 'scheduled', attempts: 1, next_attempt_at: at(-30) });
      await setLead(r10!.id, { status: 'scheduled', attempts: 1, next_attempt_at: at(-10) });
      // Callbacks for anyone sort among themselves by time, not by id (cb20 was imported later but is due earlier).
      await setLead(cb5!.id, { status: 'scheduled', attempts: 1, next_attempt_at: at(-5), callback_at: at(-5), callback_agent_id: null });
      await setLead(cb20!.id, { status: 'scheduled', attempts: 1, next_attempt_at: at(-20), callback_at: at(-20), callback_agent_id: null });
      // A callback an agent scheduled for themselves waits for that agent: only dueCallbacks / withAgentCallbacks see it.
      await setLead(own!.id, { status: 'scheduled', attempts: 1, next_attempt_at: at(-25), callback_at: at(-25), callback_agent_id: 8 });
      // Due at exactly `now`: included (next_attempt_at <= now).
      await setLead(rNow!.id, { status: 'scheduled', attempts: 2, next_attempt_at: now });
      // Not yet due, or not dialable.
      await setLead(future!.id, { status: 'scheduled', attempts: 1, next_attempt_at: at(10) });
      await setLead(cbFuture!.id, { status: 'scheduled', attempts: 1, next_attempt_at: at(60), callback_at: at(60), callback_agent_id: 7 });
      await setLead(dialing!.id, { status: 'dialing', attempts: 1, next_attempt_at: null });
      await setLead(done!.id, { status: 'done', attempts: 1, next_attempt_at: null });
      await setLead(failed!.id, { status: 'failed', attempts: 5, next_attempt_at: at(-60) });
      // Another campaign's due leads never leak in.
      await addLeads(await newCampaign(), 2);

      const due = await store.dueLeads(c, now, 100);
      expect(due.map((l) => l.id)).toEqual([cb20!.id, cb5!.id, r30!.id, r10!.id, rNow!.id, n1!.id, n2!.id]);
      expect(due.every((l) => l.campaign_id === c)).toBe(true);
      // The rows come back whole (the runner dials from them).
      expect(due[0]).toMatchObject({ status: 'scheduled', attempts: 1, callback_agent_id: null, phone_e164: cb20!.phone_e164 });
      expect(due[0]!.callback_at!.getTime()).toBe(at(-20).getTime());
      expect((await store.dueLeads(c, now, 100, [], { withAgentCallbacks: true })).map((l) => l.id)).toEqual([own!.id, cb20!.id, cb5!.id, r30!.id, r10!.id, rNow!.id, n1!.id, n2!.id]);
      expect((await store.dueCallbacks(c, now)).map((l) => l.id)).toEqual([own!.id]);
      await store.releaseCallback(own!.id);
      expect((await store.dueLeads(c, now, 1)).map((l) => l.id)).toEqual([own!.id]);
    });

    it('honours the limit and the exclude list (leads already being placed)', async () => {
      const c = await newCampaign();
      const [a, b, d, e] = await addLeads(c, 4);
      await setLead(e!.id, { status: 'scheduled', attempts: 1, next_attempt_at: at(-1) });
      expect((await store.dueLeads(c, now, 2)).map((l) => l.id)).toEqual([e!.id, a!.id]);
      expect((await store.dueLeads(c, now, 10, [e!.id, b!.id])).map((l) => l.id)).toEqual([a!.id, d!.id]);
      expect((await store.dueLeads(c, now, 10, [a!.id, b!.id, d!.id, e!.id]))).toEqual([]);
      // An empty exclude list is the same as none (no "NOT IN ()" syntax error).
      expect((await store.dueLeads(c, now, 10, [])).map((l) => l.id)).toEqual([e!.id, a!.id, b!.id, d!.id]);
    });

    it('makes a retry due as time passes', async () => {
      const c = await newCampaign();
      const [a] = await addLeads(c, 1);
      await setLead(a!.id, { status: 'scheduled', attempts: 1, next_attempt_at: at(10) });
      expect(await store.dueLeads(c, now, 10)).toEqual([]);
      expect(await store.dueLeads(c, new Date(at(10).getTime() - 1), 10)).toEqual([]);
      expect((await store.dueLeads(c, at(10), 10)).map((l) => l.id)).toEqual([a!.id]);
    });
  });

  describe('nextDueAt', () => {
    it('returns the earliest future next_attempt_at of a dialable lead', async () => {
      const c = await newCampaign();
      const [a, b, d, e, f] = await addLeads(c, 5);
      await setLead(a!.id, { status: 'scheduled', next_attempt_at: at(90) });
      await setLead(b!.id, { status: 'scheduled', next_attempt_at: at(15) });
      // A new lead deferred by a closed calling window counts too.
      await setLead(d!.id, { status: 'new', next_attempt_at: at(45) });
      // Earlier, but not dialable: ignored.
      await setLead(e!.id, { status: 'dialing', next_attempt_at: at(1) });
      await setLead(f!.id, { status: 'failed', next_attempt_at: at(2) });
      const next = await store.nextDueAt(c, now);
      expect(next).toBeInstanceOf(Date);
      expect(next!.getTime()).toBe(at(15).getTime());
      // Strictly after `now`: at 00:15 the next one is the deferred new lead.
      expect((await store.nextDueAt(c, at(15)))!.getTime()).toBe(at(45).getTime());
    });

    it('is null when nothing waits (only due, undated or finished leads)', async () => {
      const c = await newCampaign();
      const [a, b] = await addLeads(c, 3);
      await setLead(a!.id, { status: 'scheduled', next_attempt_at: at(-5) });
      await setLead(b!.id, { status: 'done', next_attempt_at: at(30) });
      expect(await store.nextDueAt(c, now)).toBeNull();
      expect(await store.nextDueAt(await newCampaign(), now)).toBeNull();
    });
  });

  describe('claim', () => {
    it('marks the lead dialing, counts the attempt and stamps last_called_at', async () => {
      const c = await newCampaign();
      const [lead] = await addLeads(c, 1);
      expect(await store.claim(lead!, now)).toBe(true);
      const after = await reload(lead!.id);
      expect(after).toMatchObject({ status: 'dialing', attempts: 1 });
      expect(after.last_called_at!.getTime()).toBe(now.getTime());
      // No longer due while being dialled.
      expect(await store.dueLeads(c, now, 10)).toEqual([]);
    });

    it('refuses a second claim made with the stale row (another path took the lead)', async () => {
      const c = await newCampaign();
      const [lead] = await addLeads(c, 1);
      expect(await store.claim(lead!, now)).toBe(true);
      expect(await store.claim(lead!, at(1))).toBe(false);
      const after = await reload(lead!.id);
      expect(after).toMatchObject({ status: 'dialing', attempts: 1 });
      expect(after.last_called_at!.getTime()).toBe(now.getTime());
    });

    it('refuses a row whose attempts changed meanwhile, and claims a scheduled retry', async () => {
      const c = await newCampaign();
      const [lead] = await addLeads(c, 1);
      await setLead(lead!.id, { status: 'scheduled', attempts: 2, next_attempt_at: at(-1) });
      const fresh = await reload(lead!.id);
      expect(await store.claim({ ...fresh, attempts: 1 }, now)).toBe(false);
      expect(await store.claim(fresh, now)).toBe(true);
      expect(await reload(lead!.id)).toMatchObject({ status: 'dialing', attempts: 3 });
    });
  });

  describe('applyStep', () => {
    /** A lead that was a callback and is being dialled. */
    const dialledCallback = async (c: number): Promise<LeadRow> => {
      const [lead] = await addLeads(c, 1);
      await setLead(lead!.id, { status: 'dialing', attempts: 2, next_attempt_at: at(-5), callback_at: at(-5), callback_agent_id: 9 });
      return reload(lead!.id);
    };

    it('scheduled: status, outcome and the retry time; the callback is used up', async () => {
      const lead = await dialledCallback(await newCampaign());
      await store.applyStep(lead.id, 'busy', { status: 'scheduled', at: at(10), reason: 'retry busy in 10 min' });
      const after = await reload(lead.id);
      expect(after).toMatchObject({ status: 'scheduled', last_outcome: 'busy', attempts: 2, callback_at: null, callback_agent_id: null });
      expect(after.next_attempt_at!.getTime()).toBe(at(10).getTime());
    });

    it.each(['done', 'failed'] as const)('%s: status and outcome, no next attempt, no callback', async (status) => {
      const lead = await dialledCallback(await newCampaign());
      await store.applyStep(lead.id, status === 'done' ? 'human' : 'invalid', { status, reason: 'x' });
      expect(await reload(lead.id)).toMatchObject({
        status,
        last_outcome: status === 'done' ? 'human' : 'invalid',
        next_attempt_at: null,
        callback_at: null,
        callback_agent_id: null,
      });
    });

    it('cuts an outcome longer than the 16-character column', async () => {
      const lead = await dialledCallback(await newCampaign());
      await store.applyStep(lead.id, 'amd_false_positive', { status: 'done', reason: 'x' });
      expect((await reload(lead.id)).last_outcome).toBe('amd_false_positi');
    });
  });

  describe('releaseDialing', () => {
    it("puts the campaign's dialing leads back to scheduled, keeping their attempts", async () => {
      const c = await newCampaign();
      const [a, b, d] = await addLeads(c, 3);
      for (const l of [a!, b!]) expect(await store.claim(l, now)).toBe(true);
      await setLead(d!.id, { status: 'done' });
      const other = await newCampaign();
      const [o] = await addLeads(other, 1);
      expect(await store.claim(o!, now)).toBe(true);

      expect(await store.releaseDialing(c)).toBe(2);
      expect(await reload(a!.id)).toMatchObject({ status: 'scheduled', attempts: 1 });
      expect(await reload(b!.id)).toMatchObject({ status: 'scheduled', attempts: 1 });
      expect((await reload(d!.id)).status).toBe('done');
      expect((await reload(o!.id)).status).toBe('dialing');
      // Released leads are due again (next_attempt_at stays null: among the undated leads, by id).
      expect((await store.dueLeads(c, now, 10)).map((l) => l.id)).toEqual([a!.id, b!.id]);
      expect(await store.releaseDialing(c)).toBe(0);
    });

    it('keeps the leads of calls still in flight (a campaign stopped and started again)', async () => {
      const c = await newCampaign();
      const [a, b] = await addLeads(c, 2);
      for (const l of [a!, b!]) expect(await store.claim(l, now)).toBe(true);
      expect(await store.releaseDialing(c, [b!.id])).toBe(1);
      expect((await reload(a!.id)).status).toBe('scheduled');
      expect((await reload(b!.id)).status).toBe('dialing');
    });
  });

  describe('scheduleCallback', () => {
    it('sets callback_at, next_attempt_at and the agent, and the lead becomes a callback once due', async () => {
      const c = await newCampaign();
      const [a, b] = await addLeads(c, 2);
      await setLead(a!.id, { status: 'done', attempts: 1 });
      const row = await store.scheduleCallback(a!.id, at(30), 12, now);
      expect(row).toMatchObject({ id: a!.id, status: 'scheduled', callback_agent_id: 12, attempts: 1 });
      expect(row!.callback_at!.getTime()).toBe(at(30).getTime());
      expect(row!.next_attempt_at!.getTime()).toBe(at(30).getTime());
      expect((await store.dueLeads(c, now, 10)).map((l) => l.id)).toEqual([b!.id]);
      // Agent 12's own callback: not in the common pool, in dueCallbacks once due.
      expect((await store.dueLeads(c, at(30), 10)).map((l) => l.id)).toEqual([b!.id]);
      expect((await store.dueCallbacks(c, now)).map((l) => l.id)).toEqual([]);
      expect((await store.dueCallbacks(c, at(30))).map((l) => l.id)).toEqual([a!.id]);
    });

    it('keeps a lead being dialled as dialing, accepts no agent, and returns null for an unknown lead', async () => {
      const c = await newCampaign();
      const [a] = await addLeads(c, 1);
      expect(await store.claim(a!, now)).toBe(true);
      const row = await store.scheduleCallback(a!.id, at(60), null, now);
      expect(row).toMatchObject({ status: 'dialing', callback_agent_id: null });
      expect(row!.callback_at!.getTime()).toBe(at(60).getTime());
      expect(await store.scheduleCallback(999_999, at(60), 1, now)).toBeNull();
    });

    it('keeps every request as a callback_requests row: campaign, its queue, the agent and their first team, when', async () => {
      const c = await newCampaign();
      const [a] = await addLeads(c, 1);
      const t = sqlDateTime(now);
      await ds.query("INSERT INTO users (username, password_hash, role, display_name, created_at, updated_at) VALUES ('cbagent', 'x', 'agent', 'CB', ?, ?)", [t, t]);
      const [user] = (await ds.query("SELECT id FROM users WHERE username = 'cbagent'")) as Array<{ id: number }>;
      await ds.query("INSERT INTO acd_agents (user_id, name, extension, skills, teams, queues, created_at, updated_at) VALUES (?, 'CB', '7001', '{}', '[\"north\",\"south\"]', '[]', ?, ?)", [user!.id, t, t]);
      const [agent] = (await ds.query("SELECT id FROM acd_agents WHERE extension = '7001'")) as Array<{ id: number }>;
      await store.scheduleCallback(a!.id, at(30), Number(agent!.id), at(1));
      await store.scheduleCallback(a!.id, at(90), null, at(2));
      const rows = await ds.getRepository(CallbackRequestSchema).find({ where: { lead_id: a!.id }, order: { id: 'ASC' } });
      expect(rows.map((r) => [r.campaign_id, r.queue, r.agent_id, r.team])).toEqual([
        [c, 'sales', Number(agent!.id), 'north'],
        [c, 'sales', null, null],
      ]);
      expect(rows.map((r) => [new Date(r.requested_at).getTime(), new Date(r.callback_at).getTime()])).toEqual([
        [at(1).getTime(), at(30).getTime()],
        [at(2).getTime(), at(90).getTime()],
      ]);
    });
  });

  describe('ledger', () => {
    const entry = (campaignId: number, over: Partial<LedgerEntry> = {}): LedgerEntry => ({
      campaign_id: campaignId,
      lead_id: null,
      phone_e164: '+14155550100',
      at: now,
      action: 'dial',
      reason: 'progressive',
      detail: '',
      attempt: 1,
      call_uuid: null,
      agent_id: null,
      ...over,
    });

    it('record() returns increasing ids and resolve() sets the outcome, time and agent', async () => {
      const c = await newCampaign();
      const first = await store.record(entry(c, { lead_id: 1, call_uuid: '6f1c2b7e-0000-4000-8000-000000000001' }));
      const second = await store.record(entry(c, { detail: 'x'.repeat(300) }));
      expect(typeof first).toBe('number');
      expect(second).toBeGreaterThan(first);

      let [row2, row1] = await store.ledger({ campaignId: c });
      expect(row1).toMatchObject({ id: first, outcome: null, resolved_at: null, agent_id: null, lead_id: 1, call_uuid: '6f1c2b7e-0000-4000-8000-000000000001' });
      expect(row1!.at.getTime()).toBe(now.getTime());
      // The detail column is 255 characters: longer text is cut, not refused.
      expect(row2!.detail).toBe('x'.repeat(255));

      await store.resolve(first, 'human', at(1), 4, 'connected');
      await store.resolve(second, 'busy', at(2));
      [row2, row1] = await store.ledger({ campaignId: c });
      expect(row1).toMatchObject({ outcome: 'human', agent_id: 4, detail: 'connected' });
      expect(row1!.resolved_at!.getTime()).toBe(at(1).getTime());
      // Without an agent or detail, resolve() leaves them as they were.
      expect(row2).toMatchObject({ outcome: 'busy', agent_id: null, detail: 'x'.repeat(255) });
      expect(row2!.resolved_at!.getTime()).toBe(at(2).getTime());
    });

    it('filters by campaign, number and lead, newest first, paged by id with a limit', async () => {
      const c = await newCampaign();
      const other = await newCampaign();
      const ids: number[] = [];
      for (let i = 0; i < 6; i++) {
        ids.push(await store.record(entry(c, { lead_id: 100 + (i % 2), phone_e164: i % 2 ? '+14155550111' : '+14155550222', attempt: i + 1 })));
      }
      const foreign = await store.record(entry(other, { lead_id: 100, phone_e164: '+14155550222' }));
      const idsOf = (rows: LedgerRow[]) => rows.map((r) => r.id);
      const desc = [...ids].reverse();

      expect(idsOf(await store.ledger({ campaignId: c }))).toEqual(desc);
      expect(idsOf(await store.ledger({ campaignId: c, phone: '+14155550111' }))).toEqual([ids[5], ids[3], ids[1]]);
      expect(idsOf(await store.ledger({ campaignId: c, leadId: 100 }))).toEqual([ids[4], ids[2], ids[0]]);
      // Without the campaign filter the number's rows of every campaign come back (no other test uses this number).
      expect(idsOf(await store.ledger({ phone: '+14155550222' }))).toEqual([foreign, ids[4], ids[2], ids[0]]);
      expect(idsOf(await store.ledger({ campaignId: other }))).toEqual([foreign]);
      // Paging: limit, then everything older than the last id seen.
      const page1 = await store.ledger({ campaignId: c, limit: 4 });
      expect(idsOf(page1)).toEqual(desc.slice(0, 4));
      const page2 = await store.ledger({ campaignId: c, limit: 4, beforeId: page1[page1.length - 1]!.id });
      expect(idsOf(page2)).toEqual(desc.slice(4));
      expect(await store.ledger({ campaignId: c, beforeId: ids[0] })).toEqual([]);
    });

    it('returns 100 rows unless a limit is given', async () => {
      const c = await newCampaign();
      for (let i = 0; i < 101; i++) await store.record(entry(c, { attempt: i }));
      const rows = await store.ledger({ campaignId: c });
      expect(rows).toHaveLength(100);
      expect(rows[0]!.attempt).toBe(100);
      expect(await store.ledger({ campaignId: c, limit: 101 })).toHaveLength(101);
    });

    it('liveResults(): resolved live answers since a date, oldest first, with the abandoned flag', async () => {
      const c = await newCampaign();
      const other = await newCampaign();
      const dial = async (outcome: DialOutcome | null, resolvedMin: number | null, over: Partial<LedgerEntry> = {}) => {
        const id = await store.record(entry(c, over));
        if (outcome) await store.resolve(id, outcome, at(resolvedMin!));
      };
      // Recorded out of time order: the result is ordered by resolved_at.
      await dial('abandoned', 5);
      await dial('human', 2);
      await dial('hung_up', 3);
      await dial('delivered', 4);
      await dial('confirmed', 6);
      await dial('transferred', 7);
      // Not live, not resolved, a skip, too old, or another campaign's: left out.
      for (const o of ['machine', 'message_left', 'busy', 'no_answer', 'invalid', 'failed'] as const) await dial(o, 1);
      await dial(null, null);
      await dial('human', 8, { action: 'skip', reason: 'pacing' });
      await dial('abandoned', -1);
      const foreign = await store.record(entry(other));
      await store.resolve(foreign, 'abandoned', at(3));

      const live = await store.liveResults(c, now);
      expect(live.map((r) => [r.at.getTime(), r.abandoned])).toEqual([
        [at(2).getTime(), false],
        [at(3).getTime(), false],
        [at(4).getTime(), false],
        [at(5).getTime(), true],
        [at(6).getTime(), false],
        [at(7).getTime(), false],
      ]);
      expect(live.every((r) => r.at instanceof Date)).toBe(true);
      // `since` is inclusive.
      expect((await store.liveResults(c, at(5))).map((r) => r.abandoned)).toEqual([true, false, false]);
    });

    it('perDay(): dials, live answers and abandons per UTC day since a date', async () => {
      const c = await newCampaign();
      const other = await newCampaign();
      const dial = async (atIso: string, outcome: DialOutcome | null, over: Partial<LedgerEntry> = {}, campaignId = c) => {
        const id = await store.record(entry(campaignId, { at: new Date(atIso), ...over }));
        if (outcome) await store.resolve(id, outcome, new Date(atIso));
      };
      await dial('2026-05-30T23:00:00.000Z', 'human'); // before `since`
      await dial('2026-05-31T00:00:00.000Z', 'human'); // exactly `since`: counted
      await dial('2026-05-31T23:59:59.999Z', 'abandoned');
      await dial('2026-06-01T00:00:00.000Z', 'busy'); // next UTC day
      await dial('2026-06-01T08:00:00.000Z', 'hung_up');
      await dial('2026-06-01T09:00:00.000Z', 'abandoned');
      await dial('2026-06-01T10:00:00.000Z', null); // still ringing: a dial, not yet live
      await dial('2026-06-01T11:00:00.000Z', 'human', { action: 'skip', reason: 'dnc' }); // skips are not dials
      await dial('2026-06-03T11:00:00.000Z', 'machine');
      await dial('2026-06-01T11:00:00.000Z', 'human', {}, other);

      expect(await store.perDay(c, new Date('2026-05-31T00:00:00.000Z'))).toEqual([
        { day: '2026-05-31', dials: 2, live: 2, abandoned: 1 },
        { day: '2026-06-01', dials: 4, live: 2, abandoned: 1 },
        { day: '2026-06-03', dials: 1, live: 0, abandoned: 0 },
      ]);
      expect(await store.perDay(c, new Date('2026-06-04T00:00:00.000Z'))).toEqual([]);
    });
  });
});


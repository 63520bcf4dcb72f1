import type { DataSource } from 'typeorm';
import { AcdQueueCallSchema, CallbackRequestSchema, CsatAnswerSchema, TicketCategorySchema, TicketSchema } from '../../src/db/entities';
import type { AcdQueueCallRow } from '../../src/db/entities/acd-history';
import { zonedInstant } from '../../src/clock/wall-clock';
import { sqlDateTime } from '../../src/db/entities/columns';
import { PERIOD_BUCKETS } from '../../src/reports/buckets';
import { periodReport, REPORT_DIMENSIONS, type PeriodReportRequest, type PeriodReportSettings } from '../../src/reports/period-report';
import { rebuildReportSlots, rollupSettingsKey, SLOT_MS, updateReportSlots } from '../../src/reports/report-slots';
import { describeEachEngine, type TestDatabase } from '../helpers/databases';

const DAY = 86_400_000;
const FROM = Date.parse('2026-03-02T00:00:00Z');
const DAYS = 12;

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * Generated history over 2026-03-02..14 (America/New_York springs forward on the 8th): calls of 40 callers (so
 * repeats and FCR repeats happen), every outcome, calls still in progress (no outcome, answered or not), DIDs or none,
 * tickets in 3 categories (some calls with two of them, some tickets without a call).
 */
async function generate(ds: DataSource, n: number, seed: number, idPrefix: string, categories: number[], withTickets = true): Promise<string[]> {
  const rnd = lcg(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const calls: AcdQueueCallRow[] = [];
  const tickets: Array<Record<string, unknown>> = [];
  for (let i = 0; i < n; i++) {
    const entered = FROM + Math.floor(rnd() * DAYS * DAY);
    const r = rnd();
    const outcome: AcdQueueCallRow['outcome'] = r < 0.55 ? 'answered' : r < 0.7 ? 'abandoned' : r < 0.75 ? 'overflowed' : r < 0.8 ? 'callback_requested' : r < 0.85 ? 'failed' : null;
    const inProgressAnswered = outcome === null && rnd() < 0.5;
    const answered = outcome === 'answered' || inProgressAnswered;
    const wait = rnd() < 0.05 ? null : Math.floor(rnd() * 60_000);
    const talk = answered && rnd() < 0.9 ? Math.floor(rnd() * 300_000) : null;
    const id = `${idPrefix}-${i}`;
    // Handling: holds (some longer than the talk time, which the AHT split caps), wrap-ups or none, transfers, 3-ways;
    // the team of the agent (or none), the campaign of a third of the calls.
    const holds = answered && rnd() < 0.4 ? 1 + Math.floor(rnd() * 3) : 0;
    const handling = {
      hold_ms: holds ? Math.floor(rnd() * 120_000) : 0,
      hold_count: holds,
      transfers: answered && rnd() < 0.15 ? 1 + Math.floor(rnd() * 2) : 0,
      three_way: answered && rnd() < 0.05 ? 1 : 0,
      wrap_ms: talk !== null && rnd() < 0.7 ? Math.floor(rnd() * 90_000) : null,
      team: answered && rnd() < 0.85 ? pick(['north', 'south', 'east']) : null,
      campaign_id: rnd() < 0.33 ? pick([1, 2]) : null,
    };
    calls.push({
      id,
      fs_node: 'fs1',
      queue: pick(['sales', 'support', 'billing']),
      priority: 0,
      caller_number: `+1555${String(Math.floor(rnd() * 40)).padStart(4, '0')}`,
      caller_name: null,
      entered_at: new Date(entered),
      offered_count: 1,
      answered_at: answered ? new Date(entered + (wait ?? 0)) : null,
      ended_at: null,
      agent_id: answered ? 1 + Math.floor(rnd() * 5) : null,
      wait_ms: wait,
      talk_ms: talk,
      outcome,
      overflow_target: null,
      disposition: null,
      notes: null,
      data: rnd() < 0.8 ? { did: pick(['+18005550001', '+18005550002']) } : null,
      ...handling,
    });
    const ticketCount = answered ? (rnd() < 0.3 ? 1 : rnd() < 0.1 ? 2 : 0) : 0;
    for (let t = 0; t < ticketCount; t++) tickets.push(ticket(pick(categories), id, entered + 60_000, rnd() < 0.5 ? entered + 3_600_000 : null));
  }
  await ds.getRepository(AcdQueueCallSchema).save(calls, { chunk: 100 });
  if (!withTickets) return calls.map((c) => c.id);
  tickets.push(ticket(categories[0]!, null, FROM + DAY, null));
  for (let i = 0; i < tickets.length; i += 100) await ds.getRepository(TicketSchema).insert(tickets.slice(i, i + 100));
  // Survey answers: about a third of the answered calls, some about one of the call's tickets, one about no call.
  const made = (await ds.query(`SELECT id, call_uuid FROM tickets WHERE call_uuid LIKE ?`, [`${idPrefix}-%`])) as Array<{ id: number; call_uuid: string }>;
  const ticketOf = new Map(made.map((t) => [t.call_uuid, t.id]));
  const answers = calls
    .filter((c) => c.answered_at && rnd() < 0.35)
    .map((c) => csat(c.queue, c.agent_id, c.id, rnd() < 0.6 ? (ticketOf.get(c.id) ?? null) : null, 1 + Math.floor(rnd() * 5), c.entered_at.getTime() + 600_000));
  answers.push(csat(null, null, null, null, 3, FROM + 2 * DAY));
  for (let i = 0; i < answers.length; i += 100) await ds.getRepository(CsatAnswerSchema).insert(answers.slice(i, i + 100));
  // Callbacks agents scheduled on campaign leads: for an agent (with a team or none) or for nobody.
  const callbacks = Array.from({ length: Math.floor(n / 10) }, () => {
    const agent = rnd() < 0.7 ? 1 + Math.floor(rnd() * 5) : null;
    const requested = FROM + Math.floor(rnd() * DAYS * DAY);
    return { lead_id: 1 + Math.floor(rnd() * 50), campaign_id: pick([1, 2]), queue: pick(['sales', 'support']), agent_id: agent, team: agent && rnd() < 0.8 ? pick(['north', 'south']) : null, requested_at: new Date(requested), callback_at: new Date(requested + DAY) };
  });
  for (let i = 0; i < callbacks.length; i += 100) await ds.getRepository(CallbackRequestSchema).insert(callbacks.slice(i, i + 100));
  return calls.map((c) => c.id);
}

function csat(queue: string | null, agent_id: number | null, callId: string | null, ticket_id: number | null, score: number, at: number) {
  return {
    source: 'post_call' as const,
    call_uuid: callId,
    queue_call_id: callId,
    queue,
    agent_id,
    caller_number: null,
    ticket_id,
    followup_id: null,
    score,
    comment_recording: null,
    answered_at: new Date(at),
  };
}

function ticket(category_id: number, call_uuid: string | null, created: number, resolved: number | null): Record<string, unknown> {
  return {
    category_id,
    priority: 'normal',
    status: resolved ? 'resolved' : 'open',
    subject: 's',
    description: '',
    caller_number: null,
    profile_id: null,
    call_uuid,
    recording_id: null,
    assignee_agent_id: null,
    assignee_team: null,
    due_at: new Date(created + DAY),
    created_by: null,
    created_by_name: 'test',
    created_at: new Date(created),
    updated_at: new Date(created),
    resolved_at: resolved ? new Date(resolved) : null,
    closed_at: null,
  };
}

const SETTINGS: PeriodReportSettings = {
  timeZone: 'America/New_York',
  shortAbandonSec: 5,
  fcrDays: 3,
  serviceLevelSec: new Map([
    ['sales', 20],
    ['support', 30],
  ]),
  defaultServiceLevelSec: 15,
  now: FROM + 20 * DAY,
};

describeEachEngine('period reports: the 15-minute rollup agrees with the raw tables', (engine) => {
  let db: TestDatabase;
  let categories: number[];
  beforeAll(async () => {
    db = await engine.open();
    const now = new Date(FROM);
    const cats = db.ds.getRepository(TicketCategorySchema);
    categories = [];
    for (const name of ['A', 'B', 'C']) categories.push((await cats.save({ parent_id: null, name, sla: '{}', active: true, created_at: now, updated_at: now })).id);
    await generate(db.ds, 1500, 7, 'g1', categories);
  }, 60_000);
  afterAll(() => db?.close());

  const slotRows = async () => Number(((await db.ds.query('SELECT COUNT(*) AS n FROM report_slots')) as Array<{ n: unknown }>)[0]!.n);
  const dirtySlots = async () => Number(((await db.ds.query('SELECT COUNT(*) AS n FROM report_rollup_dirty')) as Array<{ n: unknown }>)[0]!.n);
  /** The report read through the rollup equals the report over the raw tables; returns figures' totals. */
  async function expectSame(req: PeriodReportRequest, settings: PeriodReportSettings = SETTINGS): Promise<{ offered: number; csat: number; tickets: number; handling: number; holdSec: number; wrapSec: number }> {
    const fast = await periodReport(db.ds, req, settings);
    const raw = await periodReport(db.ds, req, settings, { rollup: false });
    expect(fast).toEqual(raw);
    const total = (f: (r: (typeof raw)[number]) => number) => raw.reduce((s, r) => s + f(r), 0);
    return {
      offered: total((r) => r.offered),
      csat: total((r) => r.csat_count),
      tickets: total((r) => r.tickets_opened + r.tickets_resolved + r.tickets_overdue),
      handling: total((r) => r.holds + r.transfers + r.three_way + r.wrap_ups + r.callbacks_scheduled),
      holdSec: total((r) => r.aht_hold_sec ?? 0),
      wrapSec: total((r) => r.aht_wrap_sec ?? 0),
    };
  }

  it('every dimension and bucket, in zones with DST and with :30/:45 offsets', async () => {
    for (const timeZone of ['America/New_York', 'Asia/Kathmandu', 'Australia/Lord_Howe']) {
      const from = new Date(zonedInstant(2026, 3, 2, 0, timeZone));
      const to = new Date(zonedInstant(2026, 3, 14, 0, timeZone));
      for (const bucket of PERIOD_BUCKETS) {
        for (const dimension of REPORT_DIMENSIONS) {
          const totals = await expectSame({ dimension, from, to, bucket }, { ...SETTINGS, timeZone });
          // Not vacuous: the calls of the range are there (category: only calls with tickets), answers and tickets too.
          expect(totals.offered).toBeGreaterThan(dimension === 'category' ? 100 : 1000);
          expect(totals.csat).toBeGreaterThan(dimension === 'category' ? 30 : 200);
          expect(totals.tickets).toBeGreaterThan(200);
          expect(totals.handling).toBeGreaterThan(dimension === 'category' ? 50 : 500);
          expect(totals.holdSec).toBeGreaterThan(0);
          expect(totals.wrapSec).toBeGreaterThan(0);
        }
      }
    }
    expect(await slotRows()).toBeGreaterThan(0);
    const [state] = (await db.ds.query('SELECT settings FROM report_rollup_state WHERE id = 1')) as Array<{ settings: unknown }>;
    expect(state!.settings).toBe(rollupSettingsKey(SETTINGS));
  }, 120_000);

  it('a range that does not start or end on a slot boundary: the partial slots come from the raw tables', async () => {
    const from = new Date(FROM + 3 * DAY + 7 * 60_000 + 1234);
    const to = new Date(FROM + 9 * DAY + 52 * 60_000);
    expect(from.getTime() % SLOT_MS).not.toBe(0);
    for (const dimension of REPORT_DIMENSIONS) await expectSame({ dimension, from, to, bucket: 'day' }, { ...SETTINGS, timeZone: 'UTC' });
    // `now` inside the range, off a slot boundary: overdue counts only tickets due before it.
    for (const dimension of REPORT_DIMENSIONS) await expectSame({ dimension, from: new Date(FROM), to: new Date(FROM + DAYS * DAY), bucket: 'day' }, { ...SETTINGS, now: FROM + 5 * DAY + 7 * 60_000 });
    // Shorter than one slot: raw only.
    await expectSame({ dimension: 'queue', from: new Date(FROM + DAY + 60_000), to: new Date(FROM + DAY + 120_000), bucket: 'hour' });
  });

  it('stays exact as calls arrive, progress and end, and tickets are made, moved and deleted (triggers mark the slots)', async () => {
    const req = { dimension: 'queue' as const, from: new Date(FROM), to: new Date(FROM + DAYS * DAY), bucket: 'day' as const };
    await expectSame(req);
    expect(await dirtySlots()).toBe(0);
    // New calls of the same callers, without tickets: repeat calls of earlier slots.
    await generate(db.ds, 100, 98, 'g2', categories, false);
    expect(await dirtySlots()).toBeGreaterThan(0);
    await expectSame(req);
    // With tickets (FCR repeats of earlier slots), and calls in progress moving on.
    const ids = await generate(db.ds, 200, 99, 'g3', categories);
    const [open] = (await db.ds.query("SELECT id FROM acd_queue_calls WHERE outcome IS NULL AND answered_at IS NULL AND id LIKE 'g1-%' ORDER BY id")) as Array<{ id: string }>;
    await db.ds.query('UPDATE acd_queue_calls SET outcome = ?, answered_at = entered_at, agent_id = 3, wait_ms = 1000, talk_ms = 5000 WHERE id = ?', ['answered', open!.id]);
    const [answered] = (await db.ds.query("SELECT id FROM acd_queue_calls WHERE outcome = 'answered' AND id LIKE 'g1-%' ORDER BY id")) as Array<{ id: string }>;
    await db.ds.getRepository(TicketSchema).insert(ticket(categories[2]!, answered!.id, FROM + 2 * DAY, null));
    await db.ds.query('UPDATE tickets SET category_id = ? WHERE call_uuid = ?', [categories[1], ids[0]]);
    await db.ds.query('DELETE FROM tickets WHERE call_uuid = ?', [ids[1]]);
    await db.ds.query('DELETE FROM acd_queue_calls WHERE id = ?', [ids[2]]);
    // A ticket resolved; a call with tickets moved to another agent (its tickets' agent is the call's).
    await db.ds.query("UPDATE tickets SET status = 'resolved', resolved_at = ? WHERE id = (SELECT MIN(id) FROM tickets WHERE resolved_at IS NULL)", [sqlDateTime(FROM + 4 * DAY)]);
    await db.ds.query('UPDATE acd_queue_calls SET agent_id = 5 WHERE id = (SELECT MIN(call_uuid) FROM tickets)');
    // Survey answers: one more, one removed, a call's DID changed (its answers' DID is the call's).
    await db.ds.getRepository(CsatAnswerSchema).insert(csat('support', 2, answered!.id, null, 5, FROM + 3 * DAY));
    await db.ds.query('DELETE FROM csat_answers WHERE id = (SELECT MIN(id) FROM csat_answers)');
    await db.ds.query(`UPDATE acd_queue_calls SET data = '{"did":"+18005550009"}' WHERE id = (SELECT MIN(queue_call_id) FROM csat_answers)`);
    // Handling arriving after the call (a wrap-up, a later agent's transfer), and a call with tickets and answers
    // moved to another team and campaign (its tickets and answers move with it: trg_report_rollup_call_team).
    await db.ds.query('UPDATE acd_queue_calls SET wrap_ms = COALESCE(wrap_ms, 0) + 4000, transfers = transfers + 1, hold_ms = hold_ms + 1500, hold_count = hold_count + 1 WHERE id = ?', [answered!.id]);
    // Scheduled callbacks: one moved to another day and agent, one deleted (the triggers mark both slots).
    const [cb] = (await db.ds.query('SELECT MIN(id) AS id FROM callback_requests')) as Array<{ id: number }>;
    await db.ds.query('UPDATE callback_requests SET requested_at = ?, agent_id = 4 WHERE id = ?', [sqlDateTime(FROM + 6 * DAY + 3_600_000), cb!.id]);
    await db.ds.query('DELETE FROM callback_requests WHERE id = (SELECT MAX(id) FROM callback_requests)');
    for (const dimension of REPORT_DIMENSIONS) await expectSame({ ...req, dimension });
    await expectSame({ ...req, bucket: 'hour' });
    // With nothing dirty: a call whose survey answer is in another slot moves to another team and campaign; the
    // answer's slot must be marked too (trg_report_rollup_call_team), or the rollup keeps it under the old team.
    await updateReportSlots(db.ds, null, SETTINGS);
    expect(await dirtySlots()).toBe(0);
    const withAnswers = (await db.ds.query('SELECT c.id, c.entered_at, a.answered_at FROM acd_queue_calls c JOIN csat_answers a ON a.queue_call_id = c.id ORDER BY c.id')) as Array<{ id: string; entered_at: unknown; answered_at: unknown }>;
    const slotOf = (v: unknown) => Math.floor(new Date(typeof v === 'string' && !v.endsWith('Z') ? `${v.replace(' ', 'T')}Z` : (v as string)).getTime() / SLOT_MS);
    const moved = withAnswers.find((r) => slotOf(r.entered_at) !== slotOf(r.answered_at))!;
    await db.ds.query("UPDATE acd_queue_calls SET team = 'west', campaign_id = 3 WHERE id = ?", [moved.id]);
    for (const dimension of ['team', 'campaign'] as const) await expectSame({ ...req, dimension, bucket: 'hour' });
    // A ticket's category changed: the FCR and the category of its answers move with it.
    await db.ds.query('UPDATE tickets SET category_id = ? WHERE id = (SELECT MIN(ticket_id) FROM csat_answers)', [categories[2]]);
    await expectSame({ ...req, dimension: 'category' });
  }, 60_000);

  it('other settings (a queue service level, the FCR window) rebuild the rollup first', async () => {
    const req = { dimension: 'agent' as const, from: new Date(FROM), to: new Date(FROM + DAYS * DAY), bucket: 'week' as const };
    const changed = { ...SETTINGS, fcrDays: 5, serviceLevelSec: new Map([['sales', 10]]) };
    await expectSame(req, changed);
    const [state] = (await db.ds.query('SELECT settings FROM report_rollup_state WHERE id = 1')) as Array<{ settings: unknown }>;
    expect(state!.settings).toBe(rollupSettingsKey(changed));
    await rebuildReportSlots(db.ds, SETTINGS);
    expect(await dirtySlots()).toBe(0);
    await expectSame({ ...req, dimension: 'did' });
  }, 60_000);
});

describe('rollupSettingsKey', () => {
  it('ignores queues at the default threshold and their order, and changes with any threshold or window', () => {
    const base = rollupSettingsKey(SETTINGS);
    expect(rollupSettingsKey({ ...SETTINGS, serviceLevelSec: new Map([['support', 30], ['sales', 20], ['new', 15]]) })).toBe(base);
    expect(rollupSettingsKey({ ...SETTINGS, serviceLevelSec: new Map([['sales', 21], ['support', 30]]) })).not.toBe(base);
    expect(rollupSettingsKey({ ...SETTINGS, shortAbandonSec: 6 })).not.toBe(base);
    expect(rollupSettingsKey({ ...SETTINGS, fcrDays: 4 })).not.toBe(base);
    expect(rollupSettingsKey({ ...SETTINGS, defaultServiceLevelSec: 16 })).not.toBe(base);
  });
});

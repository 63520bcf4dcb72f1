import type { DataSource } from 'typeorm';
import { AcdAgentStateLogSchema, AcdQueueCallSchema, CallbackRequestSchema, CsatAnswerSchema, TicketCategorySchema, TicketSchema } from '../../src/db/entities';
import type { AcdQueueCallRow } from '../../src/db/entities/acd-history';
import type { PeriodReportSettings } from '../../src/reports/period-report';

const T = (s: string) => new Date(s);

/**
 * A small fixture in America/New_York over 2026-03-07..09 (the 8th is the 23-hour spring-forward day). Figures are
 * worked out by hand in the comments.
 */
export async function insertReportFixture(ds: DataSource): Promise<void> {
  const call = (id: string, queue: string, caller: string, entered: string, outcome: AcdQueueCallRow['outcome'], wait: number | null, talk: number | null, agent: number | null, did?: string): AcdQueueCallRow => ({
    id,
    fs_node: 'fs1',
    queue,
    priority: 0,
    caller_number: caller,
    caller_name: null,
    entered_at: T(entered),
    offered_count: agent ? 1 : 0,
    answered_at: outcome === 'answered' ? new Date(T(entered).getTime() + (wait ?? 0)) : null,
    ended_at: null,
    agent_id: agent,
    wait_ms: wait,
    talk_ms: talk,
    outcome,
    overflow_target: null,
    disposition: null,
    notes: null,
    data: did ? { did } : null,
  });
  // Handling: c1 held 10 s (one hold), 30 s wrap-up, team north, campaign 5; c2 held 20 s (two holds), transferred,
  // no wrap-up recorded, team south; c5 a 3-way, team north; c8 team south, campaign 5.
  const handled = (row: AcdQueueCallRow, extra: Partial<AcdQueueCallRow>): AcdQueueCallRow => ({ ...row, ...extra });
  await ds.getRepository(AcdQueueCallSchema).save([
    handled(call('c1', 'sales', '+1001', '2026-03-07T15:00:00Z', 'answered', 10_000, 60_000, 1, '+15550001'), { hold_ms: 10_000, hold_count: 1, wrap_ms: 30_000, team: 'north', campaign_id: 5 }),
    handled(call('c2', 'sales', '+1002', '2026-03-07T16:00:00Z', 'answered', 25_000, 120_000, 2, '+15550001'), { hold_ms: 20_000, hold_count: 2, transfers: 1, team: 'south' }),
    call('c3', 'sales', '+1003', '2026-03-07T17:00:00Z', 'abandoned', 3_000, null, null),
    call('c4', 'sales', '+1004', '2026-03-07T18:00:00Z', 'abandoned', 40_000, null, null),
    // 23:30 local on the 7th (EST): still day 0.
    handled(call('c5', 'support', '+1001', '2026-03-08T04:30:00Z', 'answered', 25_000, 30_000, 1), { three_way: 1, team: 'north' }),
    call('c6', 'support', '+1005', '2026-03-08T05:30:00Z', 'callback_requested', 50_000, null, null),
    // 23:30 local on the 8th (EDT): day 1, which ends at 04:00Z.
    call('c7', 'sales', '+1006', '2026-03-09T03:30:00Z', 'overflowed', 60_000, null, null),
    handled(call('c8', 'sales', '+1002', '2026-03-09T12:00:00Z', 'answered', 5_000, 10_000, 2), { team: 'south', campaign_id: 5 }),
    // After `to`: not counted (but it is a later call of +1008 only).
    call('c9', 'sales', '+1008', '2026-03-10T05:00:00Z', 'answered', 1_000, 1_000, 1),
  ]);
  // Agent 1 works 6 hours on the 7th (one call: 60 s on call, 30 s wrap-up); agent 2 logged in before the range and stays.
  const state = (agent_id: number, stateName: string, at: string, version: number) => ({ agent_id, state: stateName, previous: '', reason: null, version, at: T(at) });
  await ds.getRepository(AcdAgentStateLogSchema).insert([
    state(2, 'available', '2026-03-06T10:00:00Z', 1),
    state(1, 'available', '2026-03-07T14:00:00Z', 1),
    state(1, 'on_call', '2026-03-07T15:00:10Z', 2),
    state(1, 'wrap_up', '2026-03-07T15:01:10Z', 3),
    state(1, 'available', '2026-03-07T15:01:40Z', 4),
    state(1, 'logged_out', '2026-03-07T20:00:00Z', 5),
  ]);
  const now = T('2026-03-01T00:00:00Z');
  const cats = ds.getRepository(TicketCategorySchema);
  const a = (await cats.save({ parent_id: null, name: 'A', sla: '{}', active: true, created_at: now, updated_at: now })).id;
  const b = (await cats.save({ parent_id: null, name: 'B', sla: '{}', active: true, created_at: now, updated_at: now })).id;
  const ticket = (category_id: number, call_uuid: string, created: string, resolved: string | null, due: string | null) => ({
    category_id,
    priority: 'normal' as const,
    status: resolved ? ('resolved' as const) : ('open' as const),
    subject: 's',
    description: '',
    caller_number: null,
    profile_id: null,
    call_uuid,
    recording_id: null,
    assignee_agent_id: null,
    assignee_team: null,
    due_at: due ? T(due) : null,
    created_by: null,
    created_by_name: 'test',
    created_at: T(created),
    updated_at: T(created),
    resolved_at: resolved ? T(resolved) : null,
    closed_at: null,
  });
  const tickets = ds.getRepository(TicketSchema);
  const t1 = (await tickets.save(ticket(a, 'c1', '2026-03-07T15:05:00Z', '2026-03-08T15:00:00Z', '2026-03-08T00:00:00Z'))).id; // overdue, resolved day 1
  await tickets.save(ticket(a, 'c5', '2026-03-08T04:35:00Z', null, '2026-03-20T00:00:00Z'));
  const t3 = (await tickets.save(ticket(b, 'c2', '2026-03-07T16:05:00Z', '2026-03-07T17:00:00Z', '2026-03-09T00:00:00Z'))).id;
  await tickets.save(ticket(a, 'c8', '2026-03-09T12:05:00Z', null, null));
  const csat = (queue: string, agent: number, callId: string, ticketId: number | null, score: number, at: string) => ({
    source: 'post_call' as const,
    call_uuid: callId,
    queue_call_id: callId,
    queue,
    agent_id: agent,
    caller_number: null,
    ticket_id: ticketId,
    followup_id: null,
    score,
    comment_recording: null,
    answered_at: T(at),
  });
  // Callbacks agents scheduled on campaign 5's leads: two by agent 1 (team north) on the 7th, one for nobody on the 9th.
  await ds.getRepository(CallbackRequestSchema).insert([
    { lead_id: 1, campaign_id: 5, queue: 'sales', agent_id: 1, team: 'north', requested_at: T('2026-03-07T15:02:00Z'), callback_at: T('2026-03-08T15:00:00Z') },
    { lead_id: 2, campaign_id: 5, queue: 'sales', agent_id: 1, team: 'north', requested_at: T('2026-03-07T20:00:00Z'), callback_at: T('2026-03-08T15:00:00Z') },
    { lead_id: 3, campaign_id: 5, queue: 'sales', agent_id: null, team: null, requested_at: T('2026-03-09T13:00:00Z'), callback_at: T('2026-03-10T15:00:00Z') },
  ]);
  await ds.getRepository(CsatAnswerSchema).insert([
    csat('sales', 1, 'c1', t1, 4, '2026-03-07T15:10:00Z'),
    csat('sales', 2, 'c2', t3, 2, '2026-03-07T16:10:00Z'),
    csat('support', 1, 'c5', null, 5, '2026-03-08T06:00:00Z'),
  ]);
}

export const FIXTURE_SETTINGS: PeriodReportSettings = {
  timeZone: 'America/New_York',
  shortAbandonSec: 5,
  fcrDays: 7,
  serviceLevelSec: new Map([['support', 30]]),
  defaultServiceLevelSec: 20,
  now: Date.parse('2026-03-12T00:00:00Z'),
};
export const FIXTURE_RANGE = { from: T('2026-03-07T05:00:00Z'), to: T('2026-03-10T04:00:00Z'), bucket: 'day' as const };


import { z } from 'zod';
import { zonedInstant } from '../../clock/wall-clock';
import { PERIOD_BUCKETS, type PeriodBucket } from '../../reports/buckets';
import {
  MAX_PERIOD_RANGE_DAYS,
  PeriodReportError,
  periodReport,
  REPORT_DIMENSIONS,
  type PeriodReportRow,
  type ReportDimension,
} from '../../reports/period-report';
import type { ApiContext } from '../context';
import { columnsOf, toCsv } from '../csv';
import { HttpProblem } from '../problem';
import { defineRoute, roles, type AnyRoute } from '../registry';
import { loadedAcdStore } from './acd-admin';
import { periodReportSettings } from '../../reports/report-settings';

/**
 * Period reports (src/reports): figures per local day, week, month or hour of the center's time zone
 * (CENTER_TIME_ZONE) by queue, agent, DID, ticket category, team or outbound campaign, JSON or CSV. The older /api/v1/acd/reports/* routes
 * stay: UTC buckets computed in TypeScript, for the console's live-ish views.
 */

const SUPERVISOR = roles('admin', 'supervisor');
const TAGS = ['reports'];

/** An instant with a zone, or a calendar date (local midnight in the center's zone). */
const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** A real calendar date (V8's Date.parse takes 2026-02-30 as March 2nd). */
function isCalendarDate(s: string): boolean {
  if (!LOCAL_DATE.test(s)) return false;
  const t = Date.parse(`${s}T00:00:00Z`);
  return !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === s;
}
const rangeEnd = z
  .string()
  .refine(
    (s) => isCalendarDate(s) || z.iso.datetime({ offset: true }).safeParse(s).success,
    'must be a date (YYYY-MM-DD, midnight in the center time zone) or an ISO 8601 date-time with a zone, e.g. 2026-01-31T08:00:00Z',
  );

const reportParams = z.strictObject({ dimension: z.enum(REPORT_DIMENSIONS) });
const reportQuery = z.strictObject({
  from: rangeEnd.meta({ description: 'start (inclusive): YYYY-MM-DD (local midnight in CENTER_TIME_ZONE) or a date-time with a zone' }),
  to: rangeEnd.meta({
    description: `end (exclusive), same forms; hour reports span at most ${MAX_PERIOD_RANGE_DAYS.hour} days, others ${MAX_PERIOD_RANGE_DAYS.day}`,
  }),
  bucket: z.enum(PERIOD_BUCKETS).default('day').meta({ description: 'local hours, days, weeks (from Monday) or months (default day)' }),
  format: z.enum(['json', 'csv']).default('json').meta({ description: 'csv: the rows as text/csv (RFC 4180, a header line)' }),
});

const rowOut = z.object({
  bucket_start: z.string().meta({ format: 'date-time' }),
  bucket_end: z.string().meta({ format: 'date-time' }),
  bucket_label: z.string().meta({ description: 'the local period: YYYY-MM-DD (day; week: its Monday), YYYY-MM, YYYY-MM-DDTHH:00' }),
  key: z.string().nullable().meta({ description: 'queue name, agent id, DID, category id, team name or campaign id; null: none (e.g. calls no agent answered, inbound calls for campaign)' }),
  name: z.string().nullable().meta({ description: 'agent, category or campaign name when known' }),
  offered: z.number().int(),
  answered: z.number().int(),
  abandoned: z.number().int(),
  short_abandoned: z.number().int().meta({ description: 'abandoned before REPORT_SHORT_ABANDON_SEC' }),
  overflowed: z.number().int(),
  callbacks: z.number().int().meta({ description: 'queue calls whose caller asked for a callback in the queue' }),
  callbacks_scheduled: z.number().int().meta({ description: 'callbacks agents scheduled on campaign leads in the period (not by DID or category)' }),
  failed: z.number().int(),
  answered_in_sl: z.number().int(),
  service_level: z.number().nullable().meta({ description: 'answered_in_sl / (answered + abandoned - short_abandoned)' }),
  abandon_rate: z.number().nullable().meta({ description: '(abandoned - short_abandoned) / (answered + abandoned - short_abandoned)' }),
  asa_sec: z.number().nullable(),
  aht_sec: z.number().nullable().meta({ description: 'aht_talk_sec + aht_hold_sec + aht_wrap_sec' }),
  aht_talk_sec: z.number().nullable().meta({ description: 'mean talk time without hold of the answered calls with a talk time' }),
  aht_hold_sec: z.number().nullable().meta({ description: 'mean hold time (hold button, blind-transfer ringing, attended consultation) of the same calls' }),
  aht_wrap_sec: z.number().nullable().meta({ description: "mean wrap-up of the answering agent after the same calls (0 for a call without one)" }),
  wrap_ups: z.number().int().meta({ description: 'answered calls with a wrap-up recorded' }),
  holds: z.number().int().meta({ description: 'hold periods' }),
  transfers: z.number().int().meta({ description: 'transfers completed (blind, attended, to a queue)' }),
  three_way: z.number().int().meta({ description: '3-way conferences the third party joined' }),
  repeat_calls: z.number().int(),
  repeat_rate: z.number().nullable(),
  fcr_calls: z.number().int(),
  fcr_repeated: z.number().int(),
  fcr: z.number().nullable(),
  csat_count: z.number().int(),
  csat_mean: z.number().nullable(),
  tickets_opened: z.number().int(),
  tickets_resolved: z.number().int(),
  tickets_overdue: z.number().int(),
  wrap_up_sec: z.number().nullable().meta({ description: 'agents: time in wrap-up (null for other dimensions)' }),
  logged_in_sec: z.number().nullable().meta({ description: 'agents: time in any state but logged_out' }),
  occupancy: z.number().nullable().meta({ description: 'agents: (on call + wrap-up) / logged in' }),
});
const reportOut = z.object({
  dimension: z.enum(REPORT_DIMENSIONS),
  from: z.string(),
  to: z.string(),
  bucket: z.enum(PERIOD_BUCKETS),
  time_zone: z.string(),
  items: z.array(rowOut),
});
type RowOut = z.infer<typeof rowOut>;
const CSV_COLUMNS = Object.keys(rowOut.shape) as Array<keyof RowOut & string>;

function badQuery(field: string, detail: string): HttpProblem {
  return new HttpProblem(400, `Invalid request: query parameter "${field}": ${detail}`, {
    type: 'validation-error',
    title: 'Validation failed',
    errors: [{ location: 'query', field, pointer: `#/${field}`, detail }],
  });
}

/** YYYY-MM-DD: local midnight in the zone; otherwise the instant. */
export function parseRangeEnd(s: string, timeZone: string): Date {
  const m = LOCAL_DATE.exec(s);
  if (m) return new Date(zonedInstant(Number(m[1]), Number(m[2]), Number(m[3]), 0, timeZone));
  return new Date(s);
}

export function reportRoutes(ctx: ApiContext): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/reports/:dimension',
      operationId: 'periodReport',
      summary: 'Period report by queue, agent, DID, category, team or campaign: calls, service level, ASA, AHT (talk, hold, wrap), transfers, FCR, CSAT, tickets',
      description:
        "Periods are local days, weeks (from Monday), months or hours of CENTER_TIME_ZONE, correct across DST. A call counts in the period and under the key of the moment it entered the queue; rows are counted in [from, to). Definitions: README \"Period reports\". ?format=csv gives the same rows as text/csv.",
      tags: TAGS,
      access: SUPERVISOR,
      params: reportParams,
      query: reportQuery,
      responses: { 200: { description: 'rows by period, then key', schema: reportOut } },
      handler: async ({ res, params, query }) => {
        const settings = ctx.deps.config.reports;
        const from = parseRangeEnd(query.from, settings.timeZone);
        const to = parseRangeEnd(query.to, settings.timeZone);
        const bucket = query.bucket as PeriodBucket;
        const dimension = params.dimension as ReportDimension;
        const store = await loadedAcdStore(ctx);
        let rows: PeriodReportRow[];
        try {
          rows = await periodReport(ctx.deps.dataSource, { dimension, from, to, bucket }, periodReportSettings(settings, store, ctx.deps.clock.now()));
        } catch (err) {
          if (err instanceof PeriodReportError) {
            if (err.kind === 'unavailable') throw new HttpProblem(503, err.message);
            throw badQuery(err.field ?? 'to', err.message);
          }
          throw err;
        }
        const names = new Map<string, string>();
        if (dimension === 'agent') for (const a of store.listAgents()) names.set(String(a.id), a.name);
        if (dimension === 'category') {
          const cats = (await ctx.deps.dataSource.query('SELECT id, name FROM ticket_categories')) as Array<{ id: unknown; name: unknown }>;
          for (const c of cats) names.set(String(c.id), String(c.name));
        }
        if (dimension === 'campaign') {
          const campaigns = (await ctx.deps.dataSource.query('SELECT id, name FROM campaigns')) as Array<{ id: unknown; name: unknown }>;
          for (const c of campaigns) names.set(String(c.id), String(c.name));
        }
        const items: RowOut[] = rows.map((r) => ({ ...r, name: r.key === null ? null : (names.get(r.key) ?? null) }));
        if (query.format === 'csv') {
          res.status(200).type('text/csv; charset=utf-8').setHeader('Content-Disposition', `attachment; filename="report-${dimension}-${bucket}.csv"`);
          res.send(toCsv(columnsOf(CSV_COLUMNS), items));
          return;
        }
        res.json({ dimension, from: from.toISOString(), to: to.toISOString(), bucket, time_zone: settings.timeZone, items });
      },
    }),
  ];
}

import { parseFlowDocument } from '../../src/ivr/flow-schema';
import { dryRun, DRY_RUN_COMMENT } from '../../src/ivr/dry-run';
import type { IvrAction } from '../../src/ivr/protocol';
import { F, digits, done, drive, flow, hangup, kinds, resolver, session, timeout } from '../ivr/helpers';

const surveyFlow = (extra: Record<string, unknown> = {}) =>
  flow({
    name: 'csat',
    start: 'survey',
    nodes: {
      survey: {
        type: 'survey',
        question: [F('csat-question')],
        invalidPrompt: [F('csat-invalid')],
        tries: 3,
        comment: { offer: [F('csat-comment-offer')], greeting: [F('csat-comment-greeting')], maxSeconds: 30, silenceSeconds: 3 },
        thanks: [F('csat-thanks')],
        ...extra,
      },
    },
  });

const recorded = { kind: 'recorded' as const, path: '/var/vm/_csat/2026-03-10/call-1.wav', durationMs: 4200 };

describe('survey node: schema', () => {
  it('accepts a survey with defaults and lists next / onNoScore as edges', () => {
    const r = parseFlowDocument({
      name: 's',
      timeZone: 'UTC',
      start: 'a',
      nodes: { a: { type: 'survey', question: [F('q')], onNoScore: 'b', next: 'b' }, b: { type: 'hangup' } },
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.flow.nodes.a).toMatchObject({ type: 'survey', tries: 3, timeoutMs: 5000 });
    expect(r.warnings).toEqual([]);
  });

  it('refuses a survey without a question, a bad comment key, unknown fields and missing targets, naming the node', () => {
    const bad = (node: Record<string, unknown>) => {
      const r = parseFlowDocument({ name: 's', timeZone: 'UTC', start: 'a', nodes: { a: { type: 'survey', ...node } } });
      expect(r.ok).toBe(false);
      return r.ok ? [] : r.errors.map((e) => e.message);
    };
    expect(bad({}).join()).toMatch(/node "a": question/);
    expect(bad({ question: [F('q')], comment: { offer: [F('o')], key: 'x' } }).join()).toMatch(/comment\.key/);
    expect(bad({ question: [F('q')], color: 'red' }).join()).toMatch(/node "a"/);
    expect(bad({ question: [F('q')], tries: 0 }).join()).toMatch(/tries/);
    expect(bad({ question: [F('q')], next: 'nowhere' }).join()).toMatch(/next points to missing node "nowhere"/);
    expect(bad({ question: [{ kind: 'file', path: 'relative.wav' }] }).join()).toMatch(/question/);
  });
});

describe('survey node: interpreter', () => {
  it('asks one key 1-5, stores the score, offers the comment, records it, stores it, thanks and hangs up', () => {
    const { s } = session([surveyFlow()]);
    const actions = drive(s, [digits('4'), done, digits('1'), recorded, done, done, done]);
    expect(kinds(actions)).toEqual(['collect', 'csat', 'collect', 'record', 'csat', 'play', 'hangup', 'end']);
    expect(actions[0]).toMatchObject({ kind: 'collect', minDigits: 1, maxDigits: 1, regexp: '^[1-5]$', terminators: 'none' });
    expect(actions[1]).toEqual({ kind: 'csat', score: 4 });
    expect(actions[3]).toMatchObject({ kind: 'record', purpose: 'comment', maxSeconds: 30, silenceSeconds: 3, greeting: [F('csat-comment-greeting')] });
    expect(actions[4]).toEqual({ kind: 'csat', score: 4, comment: recorded.path });
    expect(s.variables).toMatchObject({ csat_score: '4', csat_comment_path: recorded.path });
    expect(s.result).toEqual({ outcome: 'hangup', detail: 'after the survey' });
    expect(s.path.map((p) => p.event)).toEqual(['entered', 'digits', 'stored', 'digits', 'recorded', 'played']);
  });

  it('retries on an invalid key and on silence with the invalid prompt first, then stores the valid score', () => {
    const { s } = session([surveyFlow()]);
    const a = drive(s, [digits('7'), timeout, digits('2')]);
    expect(kinds(a)).toEqual(['collect', 'collect', 'collect', 'csat']);
    // An invalid key plays invalidPrompt before the question; a timeout asks the question again only.
    expect((a[1] as Extract<IvrAction, { kind: 'collect' }>).prompt).toEqual([F('csat-invalid'), F('csat-question')]);
    expect((a[2] as Extract<IvrAction, { kind: 'collect' }>).prompt).toEqual([F('csat-question')]);
    expect(a[3]).toEqual({ kind: 'csat', score: 2 });
    expect(s.path.map((p) => p.event)).toEqual(['entered', 'invalid', 'timeout', 'digits']);
  });

  it('two keys or # are invalid too; after `tries` attempts without a score nothing is stored and the call hangs up (or goes to onNoScore)', () => {
    const { s } = session([surveyFlow()]);
    const a = drive(s, [digits('45'), digits('#'), digits('0'), done]);
    expect(kinds(a)).toEqual(['collect', 'collect', 'collect', 'hangup', 'end']);
    expect(a.some((x) => x.kind === 'csat')).toBe(false);
    expect(s.result).toEqual({ outcome: 'hangup', detail: 'survey: no score' });

    const withFallback = flow({
      name: 'csat2',
      start: 'survey',
      nodes: { survey: { type: 'survey', question: [F('q')], tries: 1, onNoScore: 'bye' }, bye: { type: 'play', media: [F('bye')] } },
    });
    const { s: s2 } = session([withFallback]);
    expect(kinds(drive(s2, [timeout, done]))).toEqual(['collect', 'play', 'end']);
  });

  it('a key other than the comment key, or silence, skips the comment; a survey without comment or thanks goes straight on', () => {
    const { s } = session([surveyFlow()]);
    expect(kinds(drive(s, [digits('5'), done, digits('9'), done, done]))).toEqual(['collect', 'csat', 'collect', 'play', 'hangup', 'end']);
    const { s: s2 } = session([surveyFlow()]);
    expect(kinds(drive(s2, [digits('5'), done, timeout, done, done]))).toEqual(['collect', 'csat', 'collect', 'play', 'hangup', 'end']);

    const plain = flow({ name: 'p', start: 'survey', nodes: { survey: { type: 'survey', question: [F('q')], next: 'bye' }, bye: { type: 'hangup' } } });
    const { s: s3 } = session([plain]);
    expect(kinds(drive(s3, [digits('3'), done, done]))).toEqual(['collect', 'csat', 'hangup', 'end']);
  });

  it('a failed store is recorded and the survey goes on; nothing recorded skips the comment store', () => {
    const { s } = session([surveyFlow()]);
    const a = drive(s, [digits('1'), { kind: 'failed', error: 'db down' }, digits('1'), done, done, done]);
    expect(kinds(a)).toEqual(['collect', 'csat', 'collect', 'record', 'play', 'hangup', 'end']);
    expect(s.path.find((p) => p.event === 'failed')?.detail).toMatch(/answer not stored: db down/);
  });

  it('a caller who hangs up during the question stores nothing; one who hangs up after the score had it stored already', () => {
    const { s } = session([surveyFlow()]);
    const a = drive(s, [hangup]);
    expect(kinds(a)).toEqual(['collect', 'end']);
    expect(s.result?.outcome).toBe('caller-hangup');
    const { s: s2 } = session([surveyFlow()]);
    const b = drive(s2, [digits('3'), done, hangup]);
    expect(kinds(b)).toEqual(['collect', 'csat', 'collect', 'end']);
  });

  it('a queue call the ACD sends back continues in the survey flow with the call variables, and keeps the queue outcome', () => {
    const main = flow({ name: 'main', start: 'optin', nodes: { optin: { type: 'set', variable: 'csat_optin', value: '1', next: 'q' }, q: { type: 'queue', queue: 'support' } } });
    const { s } = session([main, surveyFlow()]);
    const a = drive(s, [done, { kind: 'continue', flow: 'csat', variables: { switchboard_queue_call: 'qc-1', switchboard_csat_agent_id: '7' } }, digits('4'), done, timeout, done, done]);
    expect(kinds(a)).toEqual(['set', 'queue', 'collect', 'csat', 'collect', 'play', 'hangup', 'end']);
    expect(s.variables).toMatchObject({ csat_optin: '1', switchboard_queue_call: 'qc-1', switchboard_csat_agent_id: '7' });
    expect(s.result).toEqual({ outcome: 'queue', detail: 'support' });
    expect(s.path.some((p) => p.event === 'continue')).toBe(true);
    // `continue` answers only a queue hand-over.
    const { s: s2 } = session([flow({ name: 'x', start: 'p', nodes: { p: { type: 'play', media: [F('a')] } } })]);
    expect(drive(s2, [{ kind: 'continue', flow: 'csat', variables: {} }]).at(-1)).toMatchObject({ kind: 'end', reason: 'error' });
  });

  it('dry-run walks the survey with scripted keys (the comment is recorded as a placeholder file)', () => {
    const r = dryRun({ flows: resolver(surveyFlow()), flow: 'csat', at: Date.UTC(2026, 2, 10, 12), digits: ['9', '4', '1'] });
    expect(kinds(r.actions)).toEqual(['collect', 'collect', 'csat', 'collect', 'record', 'csat', 'play', 'hangup', 'end']);
    expect(r.variables).toMatchObject({ csat_score: '4', csat_comment_path: DRY_RUN_COMMENT });
  });
});

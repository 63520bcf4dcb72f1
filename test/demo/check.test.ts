/**
 * The CI demo's verdict (src/demo/check.ts) on summaries of a healthy run and of the issue 9 collapse.
 */
import { checkDemoSummary, DEFAULT_CHECK_THRESHOLDS, lastJsonLine, type DemoSummaryForCheck } from '../../src/demo/check';

const healthy: DemoSummaryForCheck = {
  queue_calls: 560,
  answered_by_agent: 560,
  service_level_by_minute: [1, 0.96, 1, 0.98, 1, 1, 0.97, 1, 1, 1],
  longest_not_ready_s: 9.9,
  longest_not_ready_planned_s: 9.9,
  max_not_ready_overrun_s: 0.1,
  stuck_agents: 0,
  supervision_sessions: 28,
  tickets: 40,
  followup_calls: 20,
  csat_answers: 60,
  alerts_opened: 12,
};

describe('demo check', () => {
  it('passes a healthy run; a weak first two minutes are the warm-up', () => {
    expect(checkDemoSummary(healthy)).toEqual([]);
    expect(checkDemoSummary({ ...healthy, service_level_by_minute: [0.2, null, ...healthy.service_level_by_minute.slice(2)] })).toEqual([]);
  });

  it('fails a run without tickets, follow-up calls, survey answers or alerts', () => {
    expect(checkDemoSummary({ ...healthy, tickets: 0, alerts_opened: 0 })).toEqual([
      "tickets is 0: the demo's follow-through did not happen",
      "alerts_opened is 0: the demo's follow-through did not happen",
    ]);
  });

  it('fails the collapse: falling minutes and agents not ready for minutes', () => {
    const collapsed = {
      ...healthy,
      service_level_by_minute: [0.785, 0.105, 0.061, 0.022, 0.013, null, 0.01, 0.01, 0.01, 0.01],
      longest_not_ready_s: 227,
      longest_not_ready_planned_s: 7,
      max_not_ready_overrun_s: 220,
    };
    const failures = checkDemoSummary(collapsed);
    expect(failures).toEqual([
      'minute 3: service level 0.061 < 0.8',
      'minute 4: service level 0.022 < 0.8',
      'minute 5: service level 0.013 < 0.8',
      'minute 6: no queue call answered or abandoned',
      'minute 7: service level 0.01 < 0.8',
      'minute 8: service level 0.01 < 0.8',
      'minute 9: service level 0.01 < 0.8',
      'minute 10: service level 0.01 < 0.8',
      expect.stringContaining('an agent stayed not ready 220 s longer than meant (longest spell 227 s for a planned 7 s'),
    ]);
  });

  it('fails a short run, stuck agents, no supervision, no answered calls', () => {
    expect(checkDemoSummary({ ...healthy, service_level_by_minute: [1, 1, 1] })).toEqual(['the summary covers 3 whole minutes, not 10']);
    expect(checkDemoSummary({ ...healthy, stuck_agents: 2, supervision_sessions: 0, answered_by_agent: 0 })).toEqual([
      '2 agents stuck reserved or on a call without a live leg',
      'no queue calls answered (queue_calls 560, answered 0)',
      'the supervisor listened to no call',
    ]);
    expect(checkDemoSummary({ ...healthy, max_not_ready_overrun_s: 2 }, DEFAULT_CHECK_THRESHOLDS)).toEqual([]);
  });

  it('finds the summary: the last JSON object line of stdout', () => {
    expect(lastJsonLine('banner\n{"a":1}\nnoise {"x"\n{"calls_placed":3}\n\n')).toEqual({ calls_placed: 3 });
    expect(lastJsonLine('no summary\n[1,2]\n')).toBeNull();
  });
});

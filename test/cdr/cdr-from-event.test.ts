import fc from 'fast-check';
import { CDR_VARIABLES_MAX, cdrFromHangupComplete } from '../../src/cdr/cdr-from-event';
import type { EslEvent } from '../../src/esl/types';
import { hangupCompletes } from './transcript-events';

const ev = (headers: Record<string, unknown>, format: EslEvent['format'] = 'json'): EslEvent =>
  ({ name: 'CHANNEL_HANGUP_COMPLETE', headers, format }) as EslEvent;

const byUuid = (events: EslEvent[], uuid: string): EslEvent => {
  const e = events.find((x) => x.headers['Unique-ID'] === uuid);
  if (!e) throw new Error(`no event for ${uuid}`);
  return e;
};

describe('cdrFromHangupComplete on real FreeSWITCH 1.10 events', () => {
  const lifecycle = hangupCompletes('call-lifecycle-json.in.raw');
  const bridge = hangupCompletes('bridge-json.in.raw');
  const failures = hangupCompletes('bgapi-failures-json.in.raw');
  const eavesdrop = hangupCompletes('eavesdrop-json.in.raw');
  const plain = [...hangupCompletes('call-lifecycle-plain.in.raw'), ...hangupCompletes('filter-and-nixevent.in.raw')];

  it('finds the captured events', () => {
    expect([lifecycle.length, bridge.length, failures.length, eavesdrop.length, plain.length]).toEqual([2, 4, 3, 6, 6]);
    expect(plain.every((e) => e.format === 'plain')).toBe(true);
  });

  it('maps an answered outbound (originated, caller-id flipped) leg: caller is the originator, callee the far end', () => {
    const row = cdrFromHangupComplete(byUuid(lifecycle, 'bf9b30cd-b030-4c72-99aa-7fee98d602ed'), 'fs1')!;
    expect(row).toMatchObject({
      uuid: 'bf9b30cd-b030-4c72-99aa-7fee98d602ed',
      fs_node: 'fs1',
      direction: 'outbound',
      caller_number: '15551230001',
      destination_number: '9664',
      callee_number: '9664',
      callee_name: 'Outbound Call',
      context: 'default',
      channel_name: 'loopback/9664-a',
      duration_s: 7,
      billsec: 7,
      wait_s: 0,
      progress_s: 0,
      answer_s: 0,
      hangup_cause: 'NORMAL_CLEARING',
      hangup_cause_q850: 16,
      sip_hangup_disposition: null,
      bridged_uuid: null,
      call_uuid: 'bf9b30cd-b030-4c72-99aa-7fee98d602ed',
    });
    expect(row.start_at.toISOString()).toBe(new Date(1795335516091).toISOString());
    expect(row.answer_at!.getTime()).toBe(1795335516091);
    expect(row.end_at.getTime()).toBe(1795335523131);
    // Curated variables: the project's own sb_* and useful small ones; not the bulky or noisy ones.
    expect(row.variables).toMatchObject({
      sb_note: 'hello,world',
      sb_digits: '42',
      last_app: 'playback',
      billmsec: '7040',
      other_loopback_leg_uuid: '5530ea4e-16ca-45c6-be9d-4a9ff31dc846',
      record_completion_cause: 'success-maxtime',
    });
    expect(row.variables).not.toHaveProperty('current_application_data');
    expect(row.variables).not.toHaveProperty('playback_samples');
  });

  it('maps the inbound (-b) leg of the same call: no flip, Callee-ID is the called party', () => {
    const row = cdrFromHangupComplete(byUuid(lifecycle, '5530ea4e-16ca-45c6-be9d-4a9ff31dc846'), 'fs1')!;
    expect(row).toMatchObject({
      direction: 'inbound',
      caller_number: '15551230001',
      caller_name: null,
      destination_number: '9664',
      callee_number: '9664',
      callee_name: 'Outbound Call',
      channel_name: 'loopback/9664-b',
    });
  });

  it('records the bridged leg and the wait time on both sides of a uuid_bridge', () => {
    const a = cdrFromHangupComplete(byUuid(bridge, 'e1fd9246-282d-45b9-9114-941db4906346'), 'fs1')!;
    const b = cdrFromHangupComplete(byUuid(bridge, '933e063f-2c80-40ea-88a0-c4430e56cde5'), 'fs1')!;
    expect(a.bridged_uuid).toBe('933e063f-2c80-40ea-88a0-c4430e56cde5');
    expect(b.bridged_uuid).toBe('e1fd9246-282d-45b9-9114-941db4906346');
    expect([a.wait_s, b.wait_s]).toEqual([1, 1]);
    expect([a.duration_s, a.billsec]).toEqual([2, 2]);
    expect(b.destination_number).toBe('9196');
  });

  it('maps unanswered and failed originates: no answer time, billsec 0, the cause and SIP disposition', () => {
    const noAnswer = cdrFromHangupComplete(byUuid(failures, '1e3b5881-b9e7-448f-90a1-779dff765775'), 'fs2')!;
    expect(noAnswer).toMatchObject({
      direction: 'outbound',
      caller_number: '0000000000',
      callee_number: '9180',
      destination_number: '9180',
      answer_at: null,
      duration_s: 3,
      billsec: 0,
      hangup_cause: 'NO_ANSWER',
      hangup_cause_q850: 19,
    });
    const refused = cdrFromHangupComplete(byUuid(failures, 'cd77405e-2491-4d0f-a5b0-48be8b237088'), 'fs2')!;
    expect(refused).toMatchObject({
      hangup_cause: 'NORMAL_TEMPORARY_FAILURE',
      sip_hangup_disposition: 'recv_refuse',
      channel_name: 'sofia/internal/nobody@127.0.0.1:5999',
      duration_s: 0,
      answer_at: null,
    });
    expect(refused.end_at.getTime()).toBe(refused.start_at.getTime());
  });

  it('maps every captured event (json and plain) consistently with its own headers', () => {
    for (const e of [...lifecycle, ...bridge, ...failures, ...eavesdrop, ...plain]) {
      const row = cdrFromHangupComplete(e, 'n')!;
      const h = (n: string) => e.headers[n] as string;
      expect(row.uuid).toBe(h('Unique-ID'));
      expect(row.direction).toBe(h('Call-Direction'));
      expect(row.hangup_cause).toBe(h('Hangup-Cause'));
      expect(row.duration_s).toBe(Number(h('variable_duration')));
      expect(row.billsec).toBe(Number(h('variable_billsec')));
      expect(row.start_at.getTime()).toBe(Math.floor(Number(h('variable_start_uepoch')) / 1000));
      expect(row.end_at.getTime()).toBe(Math.floor(Number(h('variable_end_uepoch')) / 1000));
      expect(row.answer_at === null).toBe(h('variable_answer_uepoch') === '0');
      expect(row.call_uuid).toBe(h('variable_call_uuid'));
      expect(row.destination_number).toBe(h('Caller-Destination-Number'));
      expect(row.caller_number).toMatch(/^\d+$/);
      expect(JSON.stringify(row.variables).length).toBeLessThanOrEqual(CDR_VARIABLES_MAX);
    }
  });
});

describe('cdrFromHangupComplete on garbage', () => {
  it('returns null without a Unique-ID', () => {
    expect(cdrFromHangupComplete(ev({}), 'fs1')).toBeNull();
    expect(cdrFromHangupComplete(ev({ 'Unique-ID': '   ' }), 'fs1')).toBeNull();
    expect(cdrFromHangupComplete(null as never, 'fs1')).toBeNull();
    expect(cdrFromHangupComplete({ name: 'X', format: 'json' } as never, 'fs1')).toBeNull();
  });

  it('fills a minimal event with safe defaults', () => {
    const row = cdrFromHangupComplete(ev({ 'Unique-ID': 'u1' }), 'fs1', { receivedAtMs: 1_700_000_000_000 })!;
    expect(row).toMatchObject({
      uuid: 'u1',
      direction: 'unknown',
      caller_number: '',
      destination_number: '',
      duration_s: 0,
      billsec: 0,
      wait_s: null,
      hangup_cause: 'NONE',
      bridged_uuid: null,
      variables: null,
    });
    expect(row.start_at.getTime()).toBe(1_700_000_000_000);
    expect(row.end_at.getTime()).toBe(1_700_000_000_000);
  });

  it('turns invalid numbers and times into null/0 and falls back to second epochs', () => {
    const row = cdrFromHangupComplete(
      ev({
        'Unique-ID': ['u2', 'ignored'],
        'Call-Direction': 'INBOUND',
        'Hangup-Cause': 'normal_clearing',
        variable_start_uepoch: 'yesterday',
        variable_start_epoch: '1700000000',
        variable_answer_uepoch: '-1',
        variable_end_uepoch: '99999999999999999999999',
        variable_end_epoch: '1700000060',
        variable_duration: '-5',
        variable_billsec: '1e3',
        variable_waitsec: 'NaN',
        variable_progresssec: '12abc',
        variable_hangup_cause_q850: '',
        'Caller-Caller-ID-Number': 42,
      }),
      'fs1',
    )!;
    expect(row.uuid).toBe('u2');
    expect(row.direction).toBe('inbound');
    expect(row.hangup_cause).toBe('NORMAL_CLEARING');
    expect(row.start_at.getTime()).toBe(1_700_000_000_000);
    expect(row.end_at.getTime()).toBe(1_700_000_060_000);
    expect(row.answer_at).toBeNull();
    expect(row.duration_s).toBe(60); // computed from the times when variable_duration is garbage
    expect(row.billsec).toBe(0);
    expect(row.wait_s).toBeNull();
    expect(row.progress_s).toBeNull();
    expect(row.hangup_cause_q850).toBeNull();
    expect(row.caller_number).toBe('');
  });

  it('never lets an end before the start, or an answer outside the call, through', () => {
    const row = cdrFromHangupComplete(
      ev({ 'Unique-ID': 'u3', variable_start_uepoch: '1700000000000000', variable_end_uepoch: '1600000000000000', variable_answer_uepoch: '1800000000000000' }),
      'fs1',
    )!;
    expect(row.end_at.getTime()).toBe(row.start_at.getTime());
    expect(row.answer_at).toBeNull();
  });

  it('cuts over-long values to the column sizes and caps the variables', () => {
    const big: Record<string, string> = { 'Unique-ID': 'u'.repeat(100), 'Caller-Caller-ID-Name': 'n'.repeat(1000), 'Caller-Destination-Number': '9'.repeat(500) };
    for (let i = 0; i < 200; i++) big[`variable_sb_v${i}`] = 'x'.repeat(300);
    const row = cdrFromHangupComplete(ev(big), 'node'.repeat(100))!;
    expect(row.uuid).toHaveLength(64);
    expect(row.fs_node).toHaveLength(128);
    expect(row.caller_name).toHaveLength(128);
    expect(row.destination_number).toHaveLength(64);
    expect(row.variables!._truncated).toBe('true');
    expect(row.variables!.sb_v0).toHaveLength(256);
    expect(JSON.stringify(row.variables).length).toBeLessThanOrEqual(CDR_VARIABLES_MAX);
  });

  it('never throws, whatever the headers (property)', () => {
    const names = fc.constantFrom(
      'Unique-ID',
      'Call-Direction',
      'Hangup-Cause',
      'Caller-Caller-ID-Number',
      'Caller-Callee-ID-Number',
      'Caller-Destination-Number',
      'variable_channel_cid_flipped',
      'variable_start_uepoch',
      'variable_answer_uepoch',
      'variable_end_uepoch',
      'variable_start_epoch',
      'variable_duration',
      'variable_billsec',
      'variable_waitsec',
      'variable_bridge_uuid',
      'Other-Leg-Unique-ID',
      'variable_sb_x',
      'Event-Date-Timestamp',
    );
    const value = fc.oneof(fc.string(), fc.stringMatching(/^\d{0,25}$/), fc.constantFrom('yes', '0', '-1', ''), fc.array(fc.string(), { maxLength: 3 }));
    fc.assert(
      fc.property(fc.dictionary(names, value), fc.string(), (headers, node) => {
        const row = cdrFromHangupComplete(ev(headers), node);
        const id = Array.isArray(headers['Unique-ID']) ? headers['Unique-ID'][0] : headers['Unique-ID'];
        if (typeof id !== 'string' || id.trim() === '') return row === null;
        return (
          row !== null &&
          !Number.isNaN(row.start_at.getTime()) &&
          row.end_at.getTime() >= row.start_at.getTime() &&
          Number.isInteger(row.duration_s) &&
          row.duration_s >= 0 &&
          Number.isInteger(row.billsec)
        );
      }),
      { numRuns: 500 },
    );
  });

  it('returns null rather than throwing on a hostile headers object', () => {
    const headers = new Proxy(
      {},
      {
        get() {
          throw new Error('boom');
        },
      },
    );
    expect(cdrFromHangupComplete(ev(headers as Record<string, unknown>), 'fs1')).toBeNull();
  });
});

import { VirtualClock } from '../../src/clock/clock';
import type { EventFormat } from '../../src/esl/types';
import { startSimulator, type Simulator } from '../../src/simulator';
import { ChannelVariables, type Channel } from '../../src/simulator/channel';
import { SimEvent } from '../../src/simulator/event';
import { FlatHeaders, HeaderRun, RunMemo } from '../../src/simulator/header-run';

/**
 * Events share their channel block and variables as immutable runs of headers whose encodings are cached (see
 * header-run.ts). These tests hold that against the channel itself: every event of a real call flow must carry the
 * variables and state the channel had when the event fired (read from the channel, not through the runs), and render,
 * in every format, exactly as the same headers one by one with nothing cached, while state and variables change.
 */
const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const FORMATS: EventFormat[] = ['json', 'plain', 'xml'];

/** The same event with its headers copied flat: no blocks, no cached encodings. */
const flatCopy = (ev: SimEvent): SimEvent =>
  new SimEvent(ev.name, ev.headers.map(([k, v]) => [k, Array.isArray(v) ? [...v] : v]), ev.body, ev.subclass);

let sim: Simulator | undefined;
afterAll(async () => {
  await sim?.close();
});

describe('shared header runs', () => {
  it('carry the channel state of the moment each event fired, and render it as its headers one by one would, in every format', async () => {
    const clock = new VirtualClock(T0);
    sim = await startSimulator({ clock, seed: 5, heartbeatMs: 0 });
    const events: SimEvent[] = [];
    const early = new Map<SimEvent, string>();
    // What the channel held when each event fired, read from its state directly (not through the shared runs).
    const truth = new Map<SimEvent, { vars: Array<[string, string]>; head: Array<[string, string]> }>();
    // Each channel's variable runs as its last event before destroy carried them (the runs of the moment).
    const lastRuns = new Map<Channel, readonly HeaderRun[]>();
    sim.bus.setTap((e) => {
      events.push(e);
      const ch = sim!.engine.get(e.get('Unique-ID'));
      if (ch && e.name === 'CHANNEL_HANGUP_COMPLETE') lastRuns.set(ch, ch.vars.runs());
      if (ch && e.get('Channel-State') !== undefined) {
        const t = ch.profile.times;
        truth.set(e, {
          vars: e.headers.some(([k]) => k.startsWith('variable_')) ? [...ch.vars.entries()].map(([k, v]) => [`variable_${k}`, v]) : [],
          head: [
            ['Channel-State', ch.runningState],
            ['Channel-Call-State', ch.callState],
            ['Answer-State', ch.answerState],
            ['Caller-Channel-Answered-Time', String(t.answered)],
            ['Caller-Channel-Bridged-Time', String(t.bridged)],
            ['Caller-Channel-Hangup-Time', String(t.hangup)],
          ],
        });
      }
      // Half the events are encoded as they fire (as a socket does), so their runs' cached text is made early and
      // must still be right for the later events that share those runs.
      if (events.length % 2 === 0) early.set(e, e.render('json'));
    });
    sim.registerSoftphone('4001', { answerDelayMs: 0 });
    // Quotes, a backslash, angle brackets and non-ASCII text in a header value: escaped per format, UTF-8 counted.
    const caller = sim.injectInboundCall({ from: '+15550001111', fromName: 'Zoë "Z" \\ <café>', to: '+18005550100' });
    await sim.apiAsync('uuid_setvar', `${caller} sb_note first`);
    let out: string | undefined;
    sim.api('originate', '{origination_uuid=00000000-0000-4000-8000-000000000001}user/4001 &park()', (o) => (out = o));
    for (let t = 0; out === undefined && t < 30_000; t += 50) clock.advance(50);
    expect(out).toMatch(/^\+OK /);
    await sim.apiAsync('uuid_setvar', `${caller} sb_note second`);
    expect(await sim.apiAsync('uuid_bridge', `${caller} 00000000-0000-4000-8000-000000000001`)).toMatch(/^\+OK/);
    clock.advance(500);
    await sim.apiAsync('uuid_setvar', `${caller} sb_note third`);
    await sim.apiAsync('uuid_kill', '00000000-0000-4000-8000-000000000001');
    clock.advance(2_000);

    // The caller fires no event while parked between the first two settings: its events carry the second, then the third.
    const carrying = events.filter((e) => e.get('Unique-ID') === caller && e.get('variable_sb_note') !== undefined);
    expect(new Set(carrying.map((e) => e.get('variable_sb_note')))).toEqual(new Set(['second', 'third']));
    expect(events.some((e) => e.get('Other-Leg-Unique-ID') !== undefined)).toBe(true);
    expect(early.size).toBeGreaterThan(10);
    expect(truth.size).toBeGreaterThan(20);
    for (const [ev, t] of truth) {
      expect(ev.headers.filter(([k]) => k.startsWith('variable_'))).toEqual(t.vars);
      for (const [k, v] of t.head) expect([k, ev.get(k)]).toEqual([k, v]);
    }
    for (const ev of events) {
      const flat = flatCopy(ev);
      for (const f of FORMATS) {
        const body = flat.render(f);
        // The frame first (built without the text render cached), then the text.
        const frame = ev.frameBytes(f).toString('utf8');
        expect(frame).toBe(`Content-Length: ${Buffer.byteLength(body, 'utf8')}\nContent-Type: text/event-${f}\n\n${body}`);
        expect(ev.render(f)).toBe(body);
      }
      if (early.has(ev)) expect(early.get(ev)).toBe(flat.render('json'));
    }
    const park = events.find((e) => e.name === 'CHANNEL_PARK' && e.get('Unique-ID') === caller)!;
    // Destroyed channels keep no runs (nor their encodings) for events they will not fire: made anew if asked.
    expect(lastRuns.size).toBe(2);
    for (const [ch, runs] of lastRuns) {
      expect(ch.vars.runs()).not.toBe(runs);
      expect(ch.vars.runs()[0]).not.toBe(runs[0]);
    }
    expect(park.render('json')).toContain('"Caller-Caller-ID-Name":"Zoë \\"Z\\" \\\\ <café>"');
    expect(JSON.parse(park.render('json'))['Caller-Caller-ID-Name']).toBe('Zoë "Z" \\ <café>');
  });
});

/** A run's headers as `name=value` strings. */
const pairs = (run: HeaderRun): string[] => {
  const out: string[] = [];
  for (let i = 0; i < run.flat.length; i += 2) out.push(`${run.flat[i]}=${run.flat[i + 1]}`);
  return out;
};

describe('ChannelVariables runs', () => {
  it('keeps switch_channel_set_variable order and deletes on empty', () => {
    const v = new ChannelVariables();
    v.set('a', '1');
    v.set('b', '2');
    v.set('c', '3');
    v.set('a', '1'); // the same value: still moved to the end
    expect([...v.entries()]).toEqual([['b', '2'], ['c', '3'], ['a', '1']]);
    v.set('b', '20');
    expect(v.runs().flatMap(pairs)).toEqual(['variable_c=3', 'variable_a=1', 'variable_b=20']);
    v.set('c', '');
    expect(v.has('c')).toBe(false);
    expect(v.toObject()).toEqual({ a: '1', b: '20' });
  });

  it('keeps the order through many re-sets and deletes (dead entries dropped along the way)', () => {
    const v = new ChannelVariables();
    // The reference: a Map, deleted from and appended to, as switch_channel_set_variable orders them.
    const model = new Map<string, string>();
    let seed = 7;
    const next = (n: number): number => (seed = (seed * 16807) % 2147483647) % n;
    for (let i = 0; i < 3000; i++) {
      const name = `v${next(60)}`;
      const op = next(10);
      if (op === 0) {
        v.delete(name);
        model.delete(name);
      } else {
        const value = op === 1 ? '' : String(i);
        v.set(name, value);
        model.delete(name);
        if (value !== '') model.set(name, value);
      }
      if (i % 97 === 0) {
        expect([...v.entries()]).toEqual([...model.entries()]);
        expect(v.runs().flatMap(pairs)).toEqual([...model].map(([k, x]) => `variable_${k}=${x}`));
      }
    }
    expect(v.toObject()).toEqual(Object.fromEntries(model));
    expect(v.size).toBe(model.size);
    for (const [k, x] of model) expect([v.has(k), v.get(k)]).toEqual([true, x]);
  });

  it('hands back the same runs until a change, and every run but the changed one and the last untouched', () => {
    const v = new ChannelVariables();
    for (let i = 0; i < 120; i++) v.set(`v${i}`, String(i));
    const runs = v.runs();
    // Cut by the names, not every N: several runs, none over the limit, all the variables in order.
    expect(runs.length).toBeGreaterThan(4);
    expect(Math.max(...runs.map((r) => r.size))).toBeLessThanOrEqual(40);
    expect(runs.flatMap(pairs)).toEqual(Array.from({ length: 120 }, (_, i) => `variable_v${i}=${i}`));
    expect(v.runs()).toBe(runs);
    const bytes = runs[0]!.bytes('json', () => 'x');
    v.set('late', 'x'); // appended: every run but the last is the same run (its bytes kept)
    const after = v.runs();
    expect(after.slice(0, -1)).toEqual(runs.slice(0, -1));
    after.slice(0, -1).forEach((r, i) => expect(r).toBe(runs[i]));
    expect(after[0]!.bytes('json', () => 'y')).toBe(bytes);
    expect(after[after.length - 1]).not.toBe(runs[runs.length - 1]);
    expect(after.flatMap(pairs).slice(-2)).toEqual(['variable_v119=119', 'variable_late=x']);
    // Re-set in the second run (moved to the end): that run and the last change; the runs between keep their
    // place in the order and their encodings, though every variable after the moved one shifted by one.
    const second = after[1]!;
    const moved = second.flat[0]!.slice('variable_'.length);
    v.set(moved, 'again');
    const shifted = v.runs();
    expect(shifted[0]).toBe(after[0]);
    expect(shifted).not.toContain(second);
    for (const r of after.slice(2, -1)) expect(shifted).toContain(r);
    expect(shifted.flatMap(pairs)).toEqual([
      ...after.flatMap(pairs).filter((p) => !p.startsWith(`variable_${moved}=`)),
      `variable_${moved}=again`,
    ]);
    // Deleted from the middle: the same.
    const third = shifted[2]!;
    v.delete(third.flat[0]!.slice('variable_'.length));
    const deleted = v.runs();
    expect(deleted).not.toContain(third);
    for (const r of [...shifted.slice(0, 2), ...shifted.slice(3, -1)]) expect(deleted).toContain(r);
    v.dropRuns();
    expect(v.runs()[0]).not.toBe(runs[0]);
    expect(v.runs()[0]!.flat).toEqual(runs[0]!.flat);
  });

  it('RunMemo cuts where the writer marked and after its limit, and finds last time\'s runs wherever they moved', () => {
    const memo = new RunMemo(3);
    const scratch = new FlatHeaders();
    const list = (...names: string[]): FlatHeaders => {
      scratch.reset();
      for (const n of names) {
        scratch.put(n.replace('|', ''), n);
        if (n.endsWith('|')) scratch.cut();
      }
      return scratch;
    };
    const sizes = (runs: readonly HeaderRun[]): number[] => runs.map((r) => r.size);
    const first = memo.runs(list('a', 'b|', 'c', 'd', 'e', 'f', 'g|', 'h'));
    expect(sizes(first)).toEqual([2, 3, 2, 1]);
    // `a` moved out: the first run changes, the two after it are last time's, found one place earlier.
    const next = memo.runs(list('b|', 'c', 'd', 'e', 'f', 'g|', 'h', 'a'));
    expect(sizes(next)).toEqual([1, 3, 2, 2]);
    expect(next[1]).toBe(first[1]);
    expect(next[2]).toBe(first[2]);
    expect(next[0]).not.toBe(first[0]);
  });

  it('RunMemo keeps a run while its headers are the same, whatever string objects hold them', () => {
    const memo = new RunMemo(0);
    const scratch = new FlatHeaders();
    const list = (...pairs: Array<[string, string]>): FlatHeaders => {
      scratch.reset();
      for (const [k, v] of pairs) scratch.put(k, v);
      return scratch;
    };
    const [r1] = memo.runs(list(['A', '1'], ['B', '2']));
    expect(memo.runs(list(['A', '1'], ['B', String(2)]))[0]).toBe(r1);
    expect(memo.runs(list(['A', '1'], ['B', '3']))[0]).not.toBe(r1);
    list(['A', '1'], ['B', '3'], ['C', '4']);
    expect(memo.runs(list(['A', '1'], ['B', '3']))).toHaveLength(1); // what is left in the scratch past its length does not count
    expect(memo.runs(list())).toEqual([]);
  });

  it('frames an event whose first headers are a run, and one with a run after the last own header', () => {
    const run = new HeaderRun(['A', '1', 'B', 'x"y']);
    const leading = new SimEvent('X', [['C', '3']], undefined, undefined, [{ at: 0, runs: [run] }]);
    const first = '{"A":"1","B":"x\\"y","C":"3"}';
    expect(leading.frameBytes('json').toString()).toBe(`Content-Length: ${first.length}\nContent-Type: text/event-json\n\n${first}`);
    expect(leading.render('json')).toBe(first);
    const trailing = new SimEvent('X', [['C', '3']], 'body', undefined, [{ at: 1, runs: [run] }]);
    const body = '{"C":"3","A":"1","B":"x\\"y","Content-Length":"4","_body":"body"}';
    expect(trailing.frameBytes('json').toString()).toBe(`Content-Length: ${body.length}\nContent-Type: text/event-json\n\n${body}`);
    expect(trailing.render('plain')).toBe('C: 3\nA: 1\nB: x%22y\nContent-Length: 4\n\nbody');
    expect(trailing.render('xml')).toBe(
      '<event>\n  <headers>\n    <C>3</C>\n    <A>1</A>\n    <B>x%22y</B>\n  </headers>\n  <Content-Length>4</Content-Length>\n  <body>body</body>\n</event>\n',
    );
    // Only headers from runs, and a body: json's separators stay right.
    const onlyRun = new SimEvent('X', [], 'b', undefined, [{ at: 0, runs: [run] }]);
    expect(onlyRun.render('json')).toBe('{"A":"1","B":"x\\"y","Content-Length":"1","_body":"b"}');
    expect(new SimEvent('X', [], 'b').render('json')).toBe('{"Content-Length":"1","_body":"b"}');
  });
});

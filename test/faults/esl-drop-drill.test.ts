/**
 * The ESL-drop drill (src/faults/esl-drop.ts) as `npm run drill -- esl-drop` runs it on a real FreeSWITCH: traffic
 * and phones over the event socket only, the cut made by `reload mod_event_socket`. Here on the drill's own
 * simulator, the service on a SQLite file: mid-talk twice in a row, and while the agents' phones ring (the callers
 * still in the IVR then, some in the middle of their queue action); and a full FreeSWITCH restart (`fsctl shutdown
 * restart`, which the simulator models: every call ends, the switch is away 2 s and comes back empty).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runEslDrop } from '../../src/faults/esl-drop';

describe('ESL drop drill (ESL-only traffic, reload mod_event_socket)', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-esl-drop-test-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['talk', 2],
    ['ring', 1],
  ] as const)('cut while %s (%i cut(s)): every caller answered, every leg one CDR, no agent stuck', async (when, cuts) => {
    const f = await runEslDrop({ databaseUrl: `sqlite:${path.join(dir, 'drill.sqlite')}`, when, cuts, agents: 5, queued: 10, talkMs: 3_000 });
    expect(f).toMatchObject({ callers: 15, answered: 15, talks_broken: 0, waiting_lost: 0, cdrs_lost: 0, cdrs_duplicated: 0, stuck_agents: 0 });
    // Caller pairs and agent pairs: four loopback legs per answered call.
    expect(f.legs).toBe(60);
    expect(f.cdrs).toBe(f.legs);
    expect(f.open_queue_calls).toBe(0);
  }, 120_000);

  it.each(['talk', 'ring'] as const)('a FreeSWITCH restart while %s: every leg one CDR, every queue call closed, no agent stuck, the next callers answered', async (when) => {
    const f = await runEslDrop({ databaseUrl: `sqlite:${path.join(dir, 'drill.sqlite')}`, when, how: 'restart', restartMs: 2_000, agents: 5, queued: 10, talkMs: 3_000 });
    expect(f).toMatchObject({ how: 'restart', cdrs_lost: 0, cdrs_duplicated: 0, stuck_agents: 0, open_queue_calls: 0, after_restart_callers: 5, after_restart_answered: 5 });
    // The restart ended every call of before it: the 15 callers' pairs and the agents' pairs up then.
    expect(f.legs_ended_by_restart).toBeGreaterThanOrEqual(30);
    expect(f.cdrs).toBe(f.legs);
    // The switch was away for its 2 s: the service connected again only after it was back.
    expect(f.reconnect_ms).toBeGreaterThanOrEqual(2_000);
  }, 120_000);
});

/**
 * End to end on the simulator configured like the README's hardened FreeSWITCH (api-expansion=false): how the ACD
 * dials agents' phones, and what happens when FreeSWITCH cannot place the call at all or the phone is not
 * registered. Real FreeSWITCH failed here first: with the stock directory dial-string (`${sofia_contact()}`) every
 * `user/` offer ended CHAN_NOT_IMPLEMENTED and every agent was set not ready for no answer.
 */
import { describeEachEngine } from '../helpers/databases';
import { AcdHarness, sleep, waitFor } from './harness';

describeEachEngine('phone dialing: the default sofia/<profile>/<ext>%<domain> works with api-expansion off', (engine) => {
  const h = new AcdHarness(engine);
  beforeAll(() => h.start(), 30_000);
  afterAll(() => h.stop());

  it('a queued caller reaches the agent; the INVITE went to sofia/internal/<ext>%<domain>', async () => {
    await h.queue('hardened');
    const agentId = await h.agent('4100', ['hardened'], { answerDelayMs: 100, hangupAfterMs: 300 });
    const caller = h.call('hardened');
    const row = await h.queueCall(caller);
    expect(row).toMatchObject({ outcome: 'answered' });
    expect(Number(row.agent_id)).toBe(agentId);
    const health = (await (await h.api('/healthz')).json()) as { status: string; dialing: { status: string } };
    expect(health.dialing.status).toBe('ok');
  }, 30_000);

  it('an agent whose phone is not registered is skipped and shown as such; once it registers it takes calls', async () => {
    await h.queue('reg');
    const away = await h.agent('4200', ['reg'], { answerDelayMs: 80, hangupAfterMs: 300 });
    h.sim.unregisterSoftphone('4200');
    await waitFor('the engine to see the unregister', async () => (h.service.acd.engine.agent(away) as { phoneUnreachable?: boolean } | undefined)?.phoneUnreachable || undefined);
    const here = await h.agent('4201', ['reg'], { answerDelayMs: 80, hangupAfterMs: 300 });
    const first = h.call('reg');
    const r1 = await h.queueCall(first);
    expect(Number(r1.agent_id)).toBe(here);
    // Never offered, never blamed: still available, no streak, no not-ready.
    expect((await h.offers(first)).map((o) => Number(o.agent_id))).toEqual([here]);
    const snap = h.service.acd.engine.agent(away)!;
    expect(snap).toMatchObject({ state: 'available', noAnswerStreak: 0, phoneUnreachable: true });
    const rows = ((await (await h.api('/api/v1/acd/live/agents')).json()) as { items: Array<{ id: number; phone_registered: boolean }> }).items;
    expect(rows.find((a) => a.id === away)).toMatchObject({ phone_registered: false });
    expect(rows.find((a) => a.id === here)).toMatchObject({ phone_registered: true });

    // `here` is in wrap-up; the registered-again phone gets the next call.
    h.sim.registerSoftphone('4200', { answerDelayMs: 80, hangupAfterMs: 300 });
    await waitFor('the engine to see the register', async () => (h.service.acd.engine.agent(away)?.phoneUnreachable ? undefined : true));
    const second = h.call('reg');
    const r2 = await h.queueCall(second);
    expect(Number(r2.agent_id)).toBe(away);
  }, 40_000);
});

describeEachEngine('phone dialing: user/ with the stock dial-string and api-expansion off (PHONE_DIAL=user)', (engine) => {
  const h = new AcdHarness(engine, { env: { PHONE_DIAL: 'user' } });
  beforeAll(() => h.start(), 30_000);
  afterAll(() => h.stop());

  it('offers fail CHAN_NOT_IMPLEMENTED: the agent is not blamed, /healthz is degraded, the metric counts them', async () => {
    await h.queue('stock', { maxNoAnswer: 1 });
    const agentId = await h.agent('4300', ['stock'], { answerDelayMs: 80 });
    const caller = h.call('stock');
    const offered = await waitFor('a failed offer', async () => {
      const rows = await h.offers(caller);
      return rows.find((r) => r.result !== null) ? rows : undefined;
    });
    expect(offered[0]).toMatchObject({ result: 'switch_error' });
    // With maxNoAnswer 1 a blamed agent would be not ready now.
    const snap = h.service.acd.engine.agent(agentId)!;
    expect(snap.noAnswerStreak).toBe(0);
    expect(['available', 'reserved']).toContain(snap.state);
    const health = (await (await h.api('/healthz')).json()) as { status: string; dialing: { status: string; last_error?: string } };
    expect(health.status).toBe('degraded');
    expect(health.dialing).toMatchObject({ status: 'failing' });
    expect(health.dialing.last_error).toContain('CHAN_NOT_IMPLEMENTED');
    const metrics = await (await h.api('/metrics')).text();
    expect(metrics).toMatch(/switchboard_dial_config_errors_total\{source="acd_offer",cause="CHAN_NOT_IMPLEMENTED"\} [1-9]/);
    h.sim.hangup(caller);
    await sleep(100);
  }, 30_000);
});

/**
 * The agent desktop: state, the ringing banner with the screen pop, the live call, wrap-up, outbound work and the
 * figures of today. /acd/me is the truth (fetched again after each of the agent's own live events and on every
 * resync); the live feed only adds what REST cannot give: the offer's screen pop while the phone rings.
 */
import { useCallback, useEffect, useState } from 'react';
import { ProblemMessage } from '../components/problem';
import { get } from '../lib/api';
import { useLiveMessages, useResource } from '../lib/hooks';
import type { LiveMessage } from '../lib/live';
import { useSession } from '../lib/session';
import { CallPanel } from './call-panel';
import { OutboundPanel } from './outbound';
import { RingingBanner } from './ringing';
import { StateBar } from './state-bar';
import { TodayPanel } from './today';
import type { AcdMe, MyCall, OfferMessage } from './types';
import { WrapUpPanel, type WrapTarget } from './wrap-up';
import { profileIdOf } from '../tickets/call-ticket';

export function AgentDesktop() {
  const { user, live } = useSession();
  const me = useResource((signal) => get<AcdMe>('/api/v1/acd/me', undefined, signal), []);
  const myId = me.data?.agent.id;
  const state = me.data?.state?.state ?? 'logged_out';
  const onCall = state === 'on_call' || !!me.data?.call;
  const myCall = useResource(
    (signal) => (onCall ? get<{ call: MyCall | null }>('/api/v1/acd/me/call', undefined, signal) : Promise.resolve({ call: null })),
    [onCall, me.data?.call?.call_id, me.data?.state?.version],
  );

  const [offer, setOffer] = useState<{ m: OfferMessage; at: number } | null>(null);
  // The offer's screen pop of the current call: it has the live IVR path, which REST cannot see until the IVR
  // record is written at the end of the call.
  const [offeredPop, setOfferedPop] = useState<OfferMessage['screen_pop'] | null>(null);
  const [wrap, setWrap] = useState<WrapTarget | null>(null);
  const [leadOfCall, setLeadOfCall] = useState<number | null>(null);
  const [waiting, setWaiting] = useState<Record<string, number>>({});

  // Supervisors and admins get everyone's events: only this agent's (or this agent's call's) count here.
  const mine = useCallback(
    (m: LiveMessage) => myId !== undefined && (m.agent_id === myId || (m.call_id !== undefined && m.call_id === me.data?.state?.call_id)),
    [myId, me.data?.state?.call_id],
  );
  useLiveMessages(['agent_state', 'call_state', 'offer', 'offer_cancelled'], (m) => {
    if (!mine(m)) return;
    if (m.type === 'offer') {
      setOffer({ m: m as unknown as OfferMessage, at: Date.now() });
      setOfferedPop((m as unknown as OfferMessage).screen_pop);
    }
    if (m.type === 'offer_cancelled') setOffer((o) => (o && o.m.offer_id === m.offer_id ? null : o));
    me.reload();
  });
  useLiveMessages(['queue_stats', 'hello'], (m) => {
    if (m.type === 'queue_stats' && typeof m.queue === 'string') setWaiting((w) => ({ ...w, [m.queue as string]: Number(m.waiting) }));
    if (m.type === 'hello') {
      const qs = ((m.snapshot as { queues?: Array<{ queue: string; waiting: number }> } | undefined)?.queues ?? []) as Array<{ queue: string; waiting: number }>;
      setWaiting(Object.fromEntries(qs.map((q) => [q.queue, q.waiting])));
    }
  });
  useEffect(() => {
    const qs = ((live.hello?.snapshot as { queues?: Array<{ queue: string; waiting: number }> } | undefined)?.queues ?? []) as Array<{ queue: string; waiting: number }>;
    if (qs.length) setWaiting(Object.fromEntries(qs.map((q) => [q.queue, q.waiting])));
  }, [live]);

  // The offer is over once the agent is no longer reserved (answered, missed or cancelled).
  useEffect(() => {
    if (state !== 'reserved') setOffer(null);
  }, [state]);

  // Entering wrap-up opens the wrap-up form for that call (kept until saved or dismissed).
  const wrapCallId = state === 'wrap_up' ? (me.data?.wrap_up?.call_id ?? me.data?.state?.call_id ?? null) : null;
  const wrapQueue = me.data?.wrap_up?.queue ?? null;
  // The screen pop of the last call, so the wrap-up's ticket gets the caller's number and profile after the call ended.
  const [lastPop, setLastPop] = useState<{ callId: string; number: string | null; profileId: number | null } | null>(null);
  const popOfCall = me.data?.call?.screen_pop;
  useEffect(() => {
    if (popOfCall) setLastPop({ callId: popOfCall.call_id, number: popOfCall.caller_number, profileId: profileIdOf(popOfCall.data) });
  }, [popOfCall?.call_id]); // eslint-disable-line react-hooks/exhaustive-deps
  useEffect(() => {
    const pop = lastPop && lastPop.callId === wrapCallId ? lastPop : null;
    if (wrapCallId) setWrap((w) => (w && w.callId === wrapCallId ? w : { callId: wrapCallId, queue: wrapQueue, leadId: leadOfCall, callerNumber: pop?.number ?? null, profileId: pop?.profileId ?? null }));
  }, [wrapCallId, wrapQueue, leadOfCall, lastPop]);
  // A saved wrap-up form makes room when the next call comes in (an unsaved one stays: its notes are not lost).
  const [savedWrap, setSavedWrap] = useState<string | null>(null);
  const currentCall = me.data?.call?.call_id ?? null;
  useEffect(() => {
    if (currentCall) setWrap((w) => (w && w.callId === savedWrap && w.callId !== currentCall ? null : w));
  }, [currentCall, savedWrap]);

  if (me.error && me.error.status === 404 && !me.data) {
    return (
      <div>
        <h1>Agent desktop</h1>
        <div className="problem" role="alert" data-testid="no-agent-row">
          <strong>You have no agent row.</strong> The user <code>{user.username}</code> is not linked to an ACD agent, so there is no desktop to show.
          An admin can link one under Admin · People (an agent with an extension and queues).
        </div>
      </div>
    );
  }
  if (!me.data) {
    return (
      <div>
        <h1>Agent desktop</h1>
        {me.error ? <ProblemMessage error={me.error} /> : <p className="muted">Loading…</p>}
      </div>
    );
  }
  const d = me.data;
  const livePop = d.call?.screen_pop;
  const callPop =
    livePop && offeredPop && offeredPop.call_id === livePop.call_id && !livePop.ivr_path?.length ? { ...livePop, ivr_path: offeredPop.ivr_path } : livePop;
  const ringing = state === 'reserved';
  const hasCall = onCall || !!myCall.data?.call;
  const dispositions = d.queues.find((q) => q.name === (wrap?.queue ?? wrapQueue))?.dispositions ?? [];
  const canDial = state === 'available' || state === 'not_ready';

  return (
    <div className="agent-desktop">
      <div className="row">
        <h1>
          Agent desktop <span className="muted small">· {d.agent.name} · ext {d.agent.extension}</span>
        </h1>
      </div>
      {me.error && <ProblemMessage error={me.error} />}
      <StateBar me={d} waiting={waiting} onChanged={me.reload} />
      {ringing && <RingingBanner offer={offer?.m ?? null} receivedAt={offer?.at ?? Date.now()} />}
      <div className="agent-grid">
        <div className="agent-main">
          {hasCall && (
            <CallPanel
              me={d}
              pop={callPop ?? null}
              call={myCall.data?.call ?? null}
              onChanged={() => {
                me.reload();
                myCall.reload();
              }}
            />
          )}
          {wrap && (
            <WrapUpPanel
              key={wrap.callId}
              target={wrap}
              dispositions={dispositions}
              endsAt={d.wrap_up?.ends_at ?? null}
              inWrapUp={state === 'wrap_up' && wrapCallId === wrap.callId}
              onSaved={() => {
                setLeadOfCall(null);
                setSavedWrap(wrap.callId);
              }}
              onDismiss={() => setWrap(null)}
              onEndWrapUp={me.reload}
            />
          )}
          {!hasCall && !wrap && !ringing && (
            <section className="panel idle">
              <h2>No call</h2>
              <p className="muted">
                {state === 'available'
                  ? 'You are ready: the next call rings your phone and shows here.'
                  : state === 'logged_out'
                    ? 'Log in to the ACD, then set yourself ready to take calls.'
                    : 'Set yourself ready to take calls.'}
              </p>
            </section>
          )}
        </div>
        <div className="agent-side">
          <TodayPanel version={`${d.state?.calls_handled ?? 0}`} />
          <OutboundPanel
            canDial={canDial}
            onDialed={(leadId) => {
              setLeadOfCall(leadId);
              me.reload();
            }}
          />
        </div>
      </div>
    </div>
  );
}

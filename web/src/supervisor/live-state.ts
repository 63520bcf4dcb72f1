/**
 * The wallboard's live picture: REST snapshots (live queues, agents, waiting calls) patched by the WebSocket as
 * events arrive, so a change shows the moment its event does; the snapshots are fetched again after every resync
 * (reconnect, sequence gap) and after the events whose details only REST carries (the caller of a new call).
 */
import { useEffect, useState } from 'react';
import { get } from '../lib/api';
import { useLiveMessages, useResource, type Resource } from '../lib/hooks';
import type { LiveMessage } from '../lib/live';
import type { AgentStateMessage, CallStateMessage, HelloMessage, Items, LiveAgent, LiveCall, LiveQueue, QueueReportRow, QueueStatsMessage } from './types';

export interface Wallboard {
  queues: LiveQueue[] | undefined;
  agents: LiveAgent[] | undefined;
  calls: LiveCall[] | undefined;
  /** Today's average speed of answer per queue (seconds). */
  asa: Map<string, number | null>;
  /** When the last queue_stats arrived per queue (to tick its longest wait between messages). */
  statsAt: Map<string, number>;
  errors: Array<Resource<unknown>['error']>;
}

function startOfTodayIso(): string {
  const d = new Date();
  d.setHours(0, 0, 0, 0);
  return d.toISOString();
}

export function useWallboard(): Wallboard {
  const queuesRes = useResource((s) => get<Items<LiveQueue>>('/api/v1/acd/live/queues', undefined, s), []);
  // Agent and call events also refetch: the snapshot carries the current call's caller, which events do not.
  const agentsRes = useResource((s) => get<Items<LiveAgent>>('/api/v1/acd/live/agents', undefined, s), [], { refreshOn: ['call_state'] });
  const callsRes = useResource((s) => get<Items<LiveCall>>('/api/v1/acd/live/calls', undefined, s), [], { refreshOn: ['call_state'] });
  // ASA comes from today's report; it changes only when a call is answered or ends.
  const reportRes = useResource(
    (s) => get<Items<QueueReportRow>>('/api/v1/acd/reports/queues', { from: startOfTodayIso(), to: new Date(Date.now() + 86_400_000).toISOString(), bucket: 'day' }, s),
    [],
    { refreshOn: ['call_state'] },
  );

  const [queues, setQueues] = useState<LiveQueue[] | undefined>();
  const [agents, setAgents] = useState<LiveAgent[] | undefined>();
  const [statsAt, setStatsAt] = useState<Map<string, number>>(new Map());

  useEffect(() => {
    if (!queuesRes.data) return;
    setQueues(queuesRes.data.items);
    setStatsAt(new Map(queuesRes.data.items.map((q) => [q.queue, Date.now()])));
  }, [queuesRes.data]);
  useEffect(() => {
    if (agentsRes.data) setAgents(agentsRes.data.items);
  }, [agentsRes.data]);

  useLiveMessages(['hello', 'queue_stats', 'agent_state', 'call_state'], (m: LiveMessage) => {
    if (m.type === 'hello') {
      // A (re)connect: the snapshot is the state now; the REST snapshots follow (resync) with the details.
      const snap = (m as unknown as HelloMessage).snapshot;
      if (snap?.queues) {
        const byName = new Map(snap.queues.map((q) => [q.queue, q]));
        setQueues((prev) => prev?.map((q) => ({ ...q, ...byName.get(q.queue) })));
        setStatsAt(new Map(snap.queues.map((q) => [q.queue, Date.now()])));
      }
      if (snap?.agents) {
        const byId = new Map(snap.agents.map((a) => [a.id, a]));
        setAgents((prev) => prev?.map((x) => {
          const a = byId.get(x.id);
          return a ? { ...x, state: a.state, reason: a.reason, version: a.version, since: a.since, call_id: a.call_id } : x;
        }));
      }
    } else if (m.type === 'queue_stats') {
      const q = m as unknown as QueueStatsMessage;
      setQueues((prev) => {
        if (!prev) return prev;
        const next: LiveQueue = { queue: q.queue, waiting: q.waiting, longest_wait_sec: q.longest_wait_sec, service_level: q.service_level, abandon_rate: q.abandon_rate, agents: q.agents, ewt_sec: q.ewt_sec };
        const i = prev.findIndex((x) => x.queue === q.queue);
        if (i < 0) return [...prev, next];
        const copy = prev.slice();
        copy[i] = { ...prev[i], ...next };
        return copy;
      });
      setStatsAt((prev) => new Map(prev).set(q.queue, Date.now()));
    } else if (m.type === 'agent_state') {
      const a = m as unknown as AgentStateMessage;
      // Only agents the REST list showed (the API scopes it to the supervisor's teams).
      setAgents((prev) =>
        prev?.map((x) =>
          x.id === a.agent_id && a.version >= x.version ? { ...x, state: a.state, reason: a.reason, version: a.version, since: a.changed_at, call: a.state === 'available' || a.state === 'not_ready' || a.state === 'logged_out' ? null : x.call } : x,
        ),
      );
    } else if (m.type === 'call_state') {
      const c = m as unknown as CallStateMessage;
      if (c.state === 'ended') setAgents((prev) => prev?.map((x) => (x.call?.id === c.call_id ? { ...x, call: null, call_id: null } : x)));
      else if (c.state === 'connected' && c.agent_id !== null)
        setAgents((prev) =>
          prev?.map((x) =>
            x.id === c.agent_id ? { ...x, call_id: c.call_id, call: x.call?.id === c.call_id ? x.call : { id: c.call_id, queue: c.queue, caller_number: null, caller_name: null, connected_at: c.changed_at } } : x,
          ),
        );
    }
  });

  const asa = new Map<string, number | null>();
  for (const r of reportRes.data?.items ?? []) asa.set(r.queue, r.asa_sec);

  return {
    queues,
    agents,
    calls: callsRes.data?.items,
    asa,
    statsAt,
    errors: [queuesRes.error, agentsRes.error, callsRes.error, reportRes.error],
  };
}

/**
 * Which recording policy applies to a call. Rules come from the recording_policies table (scope did, queue or
 * campaign + name) and from the queue's own QueueConfig.recordingPolicy. Resolution, at connect (or when someone asks
 * to start a recording):
 * - the applicable rules are: the campaign row, the DID row, the queue row, else the queue's recordingPolicy;
 * - the strictest mode wins (always > on_demand > never): a regulated line that must be recorded is recorded whatever
 *   queue it lands in, and a queue that must be recorded is recorded whatever number was dialled;
 * - among rules with that mode, the most specific decides stereo, format and retention class (campaign, then queue,
 *   then DID); QueueConfig.recordingPolicy alone gives stereo, wav, `standard`.
 * With no rule at all the mode is on_demand (agents and supervisors may start one).
 */
import type { RecordingMode, RecordingPolicyRow, RecordingPolicyScope } from '../db/entities/recording';

export const RECORDING_MODES: readonly RecordingMode[] = ['never', 'on_demand', 'always'];
export const DEFAULT_RETENTION_CLASS = 'standard';

export interface EffectivePolicy {
  mode: RecordingMode;
  stereo: boolean;
  format: 'wav';
  retentionClass: string;
  /** Which rule decided: `queue:sales`, `did:18005550100`, `queue-config:sales` or `default`. */
  source: string;
}

export interface PolicyInputs {
  did?: string | null;
  queue?: string | null;
  campaign?: string | null;
  /** QueueConfig.recordingPolicy of the queue, when the call is a queue call. */
  queueMode?: RecordingMode;
  rows: readonly Pick<RecordingPolicyRow, 'scope' | 'name' | 'mode' | 'stereo' | 'format' | 'retention_class'>[];
}

const rank = (m: RecordingMode): number => RECORDING_MODES.indexOf(m);

export function resolvePolicy(input: PolicyInputs): EffectivePolicy {
  const find = (scope: RecordingPolicyScope, name: string | null | undefined) =>
    name ? input.rows.find((r) => r.scope === scope && r.name === name) : undefined;
  // Most specific first: the order breaks ties between rules of the same mode.
  const candidates: EffectivePolicy[] = [];
  const add = (row: ReturnType<typeof find>) => {
    if (row) candidates.push({ mode: row.mode, stereo: !!row.stereo, format: 'wav', retentionClass: row.retention_class, source: `${row.scope}:${row.name}` });
  };
  add(find('campaign', input.campaign));
  const queueRow = find('queue', input.queue);
  add(queueRow);
  if (!queueRow && input.queue && input.queueMode) {
    candidates.push({ mode: input.queueMode, stereo: true, format: 'wav', retentionClass: DEFAULT_RETENTION_CLASS, source: `queue-config:${input.queue}` });
  }
  add(find('did', input.did));
  if (!candidates.length) return { mode: 'on_demand', stereo: true, format: 'wav', retentionClass: DEFAULT_RETENTION_CLASS, source: 'default' };
  let best = candidates[0]!;
  for (const c of candidates.slice(1)) if (rank(c.mode) > rank(best.mode)) best = c;
  return best;
}

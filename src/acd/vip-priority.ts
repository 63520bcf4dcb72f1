import { MAX_PRIORITY } from '../ivr/flow-schema';

/**
 * A caller's VIP level (the `profile_vip` call variable, src/profiles) as queue priority: the queue's vipPriority maps
 * a level ('1'-'5') to priority added to what the call entered with (the IVR queue node's priority). A level the
 * queue does not map, no profile, or a queue without the mapping add nothing. The sum is capped like the node's.
 */
export function priorityWithVip(base: number, vipPriority: Readonly<Record<string, number>> | undefined, vipLevel: string | undefined): number {
  const extra = vipPriority && vipLevel !== undefined && /^[1-5]$/.test(vipLevel) ? (vipPriority[vipLevel] ?? 0) : 0;
  return Math.min(MAX_PRIORITY, base + extra);
}

import type { Clock } from '../clock/clock';
import type { Logger } from '../log/logger';
import { ProfileStore, type CallerProfile } from './profile-store';

/**
 * What a call learns from the caller's profile: string variables for the IVR flow (`{{var.profile_blocked}}`), the
 * ACD's VIP priority (profile_vip) and the agent's screen pop (the queue call's data). A call never waits on a slow
 * database: a lookup that takes longer than `timeoutMs`, or fails, gives the no-profile variables (the late answer
 * still fills the cache for the next call). Results, "no profile" included, are cached for `ttlMs`; every write
 * through the store's owner (the API, the CSV import) invalidates the numbers it touched, so a change made here shows
 * on the next call at once, one made on another instance after at most ttlMs.
 */

export const PROFILE_VARIABLES = ['profile_id', 'profile_name', 'profile_vip', 'profile_language', 'profile_blocked', 'profile_tags'] as const;
export type ProfileVariables = Record<(typeof PROFILE_VARIABLES)[number], string>;

/** A profile as call variables; no profile: empty id/name/language/tags, vip '0', blocked 'false'. */
export function profileVariables(p: CallerProfile | null): ProfileVariables {
  return {
    profile_id: p ? String(p.id) : '',
    profile_name: p?.name ?? '',
    profile_vip: String(p?.vip_level ?? 0),
    profile_language: p?.language ?? '',
    profile_blocked: p?.blocked ? 'true' : 'false',
    profile_tags: p ? p.tags.join(',') : '',
  };
}

export interface CallProfileOptions {
  clock: Clock;
  logger?: Logger;
  /** Longest wait for the database before the call goes on without a profile. Default 200 ms. */
  timeoutMs?: number;
  /** How long a cached answer is trusted. Default 5 minutes. */
  ttlMs?: number;
  /** Most numbers cached (the oldest go first). Default 50,000. */
  maxEntries?: number;
}

interface Entry {
  vars: ProfileVariables;
  at: number;
}

export class CallProfileCache {
  private readonly entries = new Map<string, Entry>();
  /** Bumped by every invalidation: a lookup that started before one does not cache what it read. */
  private generation = 0;
  private readonly timeoutMs: number;
  private readonly ttlMs: number;
  private readonly maxEntries: number;

  constructor(
    private readonly lookup: (e164: string) => Promise<CallerProfile | null>,
    private readonly options: CallProfileOptions,
  ) {
    this.timeoutMs = options.timeoutMs ?? 200;
    this.ttlMs = options.ttlMs ?? 5 * 60_000;
    this.maxEntries = options.maxEntries ?? 50_000;
  }

  /**
   * The profile variables of a caller number in any form (numbers without + are read in `country`; without one only
   * international numbers match a profile).
   */
  async variables(callerNumber: string, country?: string): Promise<ProfileVariables> {
    const p = ProfileStore.normalise(callerNumber, country);
    if (!p.ok) return profileVariables(null);
    const hit = this.entries.get(p.e164);
    if (hit && this.options.clock.now() - hit.at < this.ttlMs) return { ...hit.vars };
    const generation = this.generation;
    const read = this.lookup(p.e164).then((profile) => {
      const vars = profileVariables(profile);
      if (generation === this.generation) this.put(p.e164, vars);
      return vars;
    });
    return new Promise<ProfileVariables>((resolve) => {
      const timer = this.options.clock.setTimeout(() => {
        this.options.logger?.warn('caller profile lookup was slower than its bound; the call goes on without it', { timeoutMs: this.timeoutMs });
        resolve(profileVariables(null));
      }, this.timeoutMs);
      read.then(
        (vars) => {
          timer.cancel();
          resolve({ ...vars });
        },
        (err: unknown) => {
          timer.cancel();
          this.options.logger?.warn('caller profile lookup failed; the call goes on without it', { error: (err as Error).message });
          resolve(profileVariables(null));
        },
      );
    });
  }

  /** Forgets the given numbers (E.164), or every number. */
  invalidate(phones?: readonly string[]): void {
    this.generation++;
    if (phones === undefined) this.entries.clear();
    else for (const p of phones) this.entries.delete(p);
  }

  get size(): number {
    return this.entries.size;
  }

  private put(e164: string, vars: ProfileVariables): void {
    this.entries.delete(e164);
    this.entries.set(e164, { vars, at: this.options.clock.now() });
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }
}

import type { DataSource } from 'typeorm';
import { CallProfileCache, type CallProfileOptions, type ProfileVariables } from './call-profile';
import { ProfileStore } from './profile-store';

/**
 * Caller profiles (issue 12): the store, and the cached, time-bounded lookup a call makes at its start. One instance
 * per database (callerProfilesFor), shared by the API (whose writes invalidate the cache) and the call flow.
 */
export class CallerProfiles {
  readonly store: ProfileStore;
  readonly cache: CallProfileCache;

  constructor(ds: DataSource, options: CallProfileOptions) {
    this.store = new ProfileStore(ds, () => new Date(options.clock.now()));
    this.cache = new CallProfileCache((e164) => this.store.byPhone(e164), options);
  }

  /** The profile variables of a caller (IvrRuntimeOptions.callVariables); never throws, never waits past the bound. */
  callVariables(callerNumber: string, country?: string): Promise<ProfileVariables> {
    return this.cache.variables(callerNumber, country);
  }

  /** After a write: the numbers it touched are looked up again on their next call. */
  changed(phones?: readonly string[]): void {
    this.cache.invalidate(phones);
  }
}

const INSTANCES = new WeakMap<DataSource, CallerProfiles>();

/** The one CallerProfiles of a database (the first call's options win). */
export function callerProfilesFor(ds: DataSource, options: CallProfileOptions): CallerProfiles {
  let p = INSTANCES.get(ds);
  if (!p) {
    p = new CallerProfiles(ds, options);
    INSTANCES.set(ds, p);
  }
  return p;
}

export { PROFILE_VARIABLES, profileVariables, type ProfileVariables } from './call-profile';
export { ProfileConflictError, ProfileStore, type CallerProfile } from './profile-store';

/**
 * The fence of active/standby HA. The service checks it (LeaderLease.assertHolds) before every command it sends to
 * FreeSWITCH; a command that meets it is dropped, not queued, because whoever leads now decides afresh.
 */
export type FencedReason =
  /** This instance is not the leader, or its local deadline passed since the last successful renewal. */
  | 'not_leader'
  /** It leads, but under another term than the one the command was decided in (it lost the lease in between). */
  | 'stale_term';

export class FencedError extends Error {
  readonly code = 'HA_FENCED';
  constructor(
    readonly reason: FencedReason,
    /** The term this instance holds now (null: none). */
    readonly currentTerm: number | null,
    /** The term the caller asked about, if any. */
    readonly expectedTerm?: number,
  ) {
    super(
      reason === 'not_leader'
        ? 'fenced: this instance does not hold the leadership lease'
        : `fenced: the command belongs to term ${expectedTerm}, the lease is now held under term ${currentTerm}`,
    );
    this.name = 'FencedError';
  }
}

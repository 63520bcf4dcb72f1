/** Active/standby high availability: the leadership lease and its fence. */
export { FencedError, type FencedReason } from './errors';
export { LeaderLease, type LeaderLeaseOptions, type LeaseListener, type LeaseRole, type LeaseState, type LeaseStats } from './leader-lease';
export { leaseTimingProblem } from './lease-timing';

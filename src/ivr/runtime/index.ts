export { IvrRuntime, type IvrRuntimeOptions, type IvrRuntimeStats } from './runtime';
export { NoAcdQueueHandoff, BUSY_TONE, type HandoffResult, type QueueHandoff, type QueuedCall, type NoAcdQueueHandoffOptions } from './queue-handoff';
export { DEFAULT_LIMITS, channelSafe, digitsValid, type RuntimeLimits, type CallOutcome } from './call-runner';

export { AcdRuntime, type AcdRuntimeOptions, type AcdRuntimeStats, type AcdClusterLike } from './acd-runtime';
export { DEFAULT_PROMPTS, defaultAcdPrompts, announcementFiles, type AcdPrompts } from './prompts';
export { offerFailureOf, causeOfJob, cancelCauseOf } from './causes';

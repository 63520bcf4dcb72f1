/**
 * src/freeswitch: the only way values reach FreeSWITCH. See escape.ts for the wire layers and what each one needs.
 * `toFsCommand` / `toAppInvocation` (command.ts) are deliberately not exported: only the builders make commands.
 */
export type { FsCommand, AppInvocation } from './command';
export { ALLOWED_APPS, MAX_COMMAND_LENGTH, isBuiltAppInvocation } from './command';
export { UnsafeValueError } from './errors';
export { HANGUP_CAUSES, isHangupCause, type HangupCause } from './causes';
export {
  type Uuid,
  type MediaPath,
  MAX_TEXT_LENGTH,
  uuid,
  hangupCause,
  channelVarName,
  extension,
  destination,
  domain,
  gatewayName,
  profileName,
  phoneNumber,
  dialplanName,
  contextName,
  terminators,
  digitRegexp,
  safeText,
  filePath,
  toneStream,
  silenceStream,
  localStream,
  fileString,
  MAX_FILE_STRING_PARTS,
  mediaPath,
} from './values';
export { type DialString, type VarValue, dialUser, dialSofiaUser, dialGateway, dialLoopback, assertDialString } from './dial';
export * as api from './api';
export {
  originate,
  uuidKill,
  uuidBridge,
  uuidTransfer,
  uuidAnswer,
  uuidHold,
  uuidAudioMute,
  uuidRecord,
  uuidBroadcast,
  uuidSetVar,
  uuidUnsetVar,
  uuidSetVarMulti,
  uuidGetVar,
  uuidDumpJson,
  uuidExists,
  fileExists,
  uuidBreak,
  uuidPark,
  showChannelsJson,
  reloadModule,
  showCallsJson,
  status,
  reloadXml,
  sofiaStatus,
  sofiaStatusProfileReg,
  globalGetVar,
  moduleExists,
  fsctlApiExpansion,
  fsctlShutdownRestart,
  showRegistrationsJson,
} from './api';
export type { OriginateTarget, OriginateOptions, TransferLeg, RecordAction } from './api';
export * as apps from './apps';
export type { PlayAndGetDigits, SayOptions } from './apps';

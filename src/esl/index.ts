/**
 * The FreeSWITCH Event Socket client: framing (FrameParser), event decoding (decodeEvent), the bounded event queue
 * and the reconnecting client (EslClient).
 */
export {
  EslClient,
  type ApiReply,
  type CommandOptions,
  type EslClientEvents,
  type EslClientOptions,
  type EslClientStats,
  type EslClientStatus,
  type EslLogLine,
  type EslStatus,
  type ExecuteOptions,
  type ExecuteResult,
  type JobResult,
} from './client';
export {
  ChannelHungUpError,
  EslAuthError,
  EslClosedError,
  EslCommandError,
  EslDisconnectedError,
  EslError,
  EslInvalidArgumentError,
  EslProtocolError,
  EslTimeoutError,
} from './errors';
export { FrameParser, parseHeaderBlock, type FrameParserOptions } from './frame-parser';
export { decodeEvent, decodeJsonEvent, decodePlainEvent, decodeXmlEvent, urlDecodeLenient } from './event-decoder';
export { EventQueue, type EventQueueOptions } from './event-queue';
export { fullJitterBackoff, type RetryStrategy } from './backoff';
export { heartbeatInfo, type HeartbeatInfo } from './heartbeat';
export { channelVar, header, type EslEvent, type EslFrame, type EventFormat, type HeaderValue } from './types';

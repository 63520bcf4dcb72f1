/**
 * The FreeSWITCH simulator: an Event Socket server that speaks mod_event_socket byte for byte, backed by a call
 * model (channels, dialplan apps, softphones, a PSTN gateway), driven by a Clock so tests can run it in virtual
 * time. Entry point: startSimulator().
 */
export { Simulator, startSimulator, type SimulatorOptions } from './simulator';
export { STOCK_MODULES } from './api-commands';
export type {
  AudioRoute,
  ChannelSnapshot,
  DidRoute,
  GatewayNumberConfig,
  GatewayOutcome,
  GatewayProbabilities,
  InboundCallOptions,
  RecordingInfo,
  SoftphoneBehavior,
} from './types';
export { SimEvent } from './event';
export { serializeEvent, serializePlain, serializeJson, serializeXml } from './event-serializer';
export { fsUrlEncode, cjsonString } from './encoding';
export { CommandReader, type EslCommand } from './command-reader';

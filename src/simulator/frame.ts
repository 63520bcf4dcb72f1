import type { ClockTimer } from '../clock/clock';

/** Why a running application is being interrupted. */
export type StopReason = 'hangup' | 'break' | 'transfer' | 'bridge';

/**
 * One application running on a channel (an entry of FreeSWITCH's "current application" stack: `park` can have a
 * sendmsg-executed `playback` nested on top of it, exactly as the captures show).
 */
export interface AppFrame {
  app: string;
  data: string;
  appUuid?: string;
  /** Private (sendmsg) messages may execute nested while this frame is on top (park, sleep, bridge...). */
  nests: boolean;
  /** The app reads DTMF, so DTMF events fire on this channel while it runs. */
  readsDtmf: boolean;
  onDtmf?: (digit: string) => void;
  /** Emits the app's own stop events (PLAYBACK_STOP, UNPARK...) when interrupted; never EXECUTE_COMPLETE. */
  stop?: (reason: StopReason) => void;
  timers: ClockTimer[];
  finished: boolean;
  /** sendmsg `loops` bookkeeping. */
  loopsLeft?: number;
  fromMessage?: boolean;
  /** What this channel currently hears from the app (audio routes), e.g. `file:/x.wav`, `moh`. */
  audio?: string;
  /** The channel's own audio is echoed back (echo app). */
  echo?: boolean;
}

export function newFrame(app: string, data: string, appUuid?: string): AppFrame {
  return { app, data, appUuid, nests: false, readsDtmf: false, timers: [], finished: false };
}

/**
 * Errors the ESL client rejects with. Each has its own class (and a stable `code`) so callers can branch with
 * `instanceof` instead of parsing messages.
 */
export class EslError extends Error {
  readonly code: string = 'ESL_ERROR';
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The command (or the event it waits for) did not finish within its timeout. */
export class EslTimeoutError extends EslError {
  override readonly code: string = 'ESL_TIMEOUT';
  constructor(
    readonly what: string,
    readonly timeoutMs: number,
  ) {
    super(`${what} timed out after ${timeoutMs} ms`);
  }
}

/**
 * The connection went away before the command finished. The command may or may not have run on FreeSWITCH:
 * a bgapi job keeps running there, only its BACKGROUND_JOB is lost to us.
 */
export class EslDisconnectedError extends EslError {
  override readonly code: string = 'ESL_DISCONNECTED';
}

/** close() was called: the client takes no more commands. */
export class EslClosedError extends EslDisconnectedError {
  override readonly code: string = 'ESL_CLOSED';
  constructor() {
    super('esl client closed');
  }
}

/** FreeSWITCH refused the password (`-ERR invalid`) or the ACL refused us (`text/rude-rejection`). */
export class EslAuthError extends EslError {
  override readonly code: string = 'ESL_AUTH';
  constructor(
    message: string,
    readonly reason: 'invalid-password' | 'rude-rejection',
  ) {
    super(message);
  }
}

/** FreeSWITCH answered the command itself with `-ERR ...` (e.g. `-ERR invalid session id [x]` for sendmsg). */
export class EslCommandError extends EslError {
  override readonly code: string = 'ESL_COMMAND';
  constructor(
    readonly command: string,
    readonly replyText: string,
  ) {
    super(`${command}: ${replyText}`);
  }
}

/** A value that would break the wire format (CR, LF, NUL, or characters a header name cannot hold). */
export class EslInvalidArgumentError extends EslError {
  override readonly code: string = 'ESL_INVALID_ARGUMENT';
}

/** The channel an execute() was waiting on hung up before the application completed. */
export class ChannelHungUpError extends EslError {
  override readonly code: string = 'ESL_CHANNEL_HUNG_UP';
  constructor(
    readonly uuid: string,
    /** Hangup-Cause of the event, e.g. NORMAL_CLEARING (named so as not to shadow Error.cause). */
    readonly hangupCause: string | undefined,
  ) {
    super(`channel ${uuid} hung up${hangupCause ? ` (${hangupCause})` : ''}`);
  }
}

/** The byte stream cannot be framed any more (e.g. a non-numeric Content-Length). */
export class EslProtocolError extends EslError {
  override readonly code: string = 'ESL_PROTOCOL';
}

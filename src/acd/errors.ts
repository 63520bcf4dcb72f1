/**
 * The one error the ACD engine throws for an input it refuses (an invalid agent transition, an unknown agent, call,
 * queue or offer, a bad configuration). The engine validates before it changes anything, so after an AcdStateError
 * its state is exactly what it was. The API maps `code` to a status (unknown_* -> 404, invalid_* -> 400/409).
 */
export type AcdErrorCode =
  | 'invalid_transition'
  | 'unknown_agent'
  | 'unknown_call'
  | 'unknown_queue'
  | 'unknown_offer'
  | 'duplicate_call'
  | 'invalid_input'
  | 'invalid_config';

export class AcdStateError extends Error {
  constructor(
    readonly code: AcdErrorCode,
    message: string,
    readonly details: { agentId?: number; callId?: string; offerId?: string; queue?: string; state?: string } = {},
  ) {
    super(message);
    this.name = 'AcdStateError';
  }
}

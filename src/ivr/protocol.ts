/**
 * The contract between the IVR interpreter (pure: flow document + inputs + clock -> next action) and whatever carries
 * the actions out: the call runtime on a FreeSWITCH channel (ESL execute/api) or the dry-run (scripted digits).
 *
 * The interpreter never touches I/O. It returns one IvrAction at a time; the runner performs it and answers with the
 * matching IvrInput. `hangup` and `queue`/`transfer` end the flow. A caller hanging up is reported with `{ kind:
 * 'hangup' }` as the input to whatever action was running; the interpreter then records it and returns `end`.
 */

/** What can be played: a file, a tone stream, or a number/digits said by FreeSWITCH's say engine. */
export type MediaSpec =
  | { kind: 'file'; path: string }
  | { kind: 'tone'; spec: string }
  | { kind: 'say'; type: 'number' | 'digits'; value: string; language?: string };

export type IvrAction =
  | { kind: 'answer' }
  | { kind: 'play'; media: MediaSpec[] }
  /**
   * One play_and_get_digits attempt (tries=1): the interpreter owns retries, invalid/timeout prompts and fallbacks,
   * so every attempt appears in the call's path.
   */
  | {
      kind: 'collect';
      prompt: MediaSpec[];
      minDigits: number;
      maxDigits: number;
      timeoutMs: number;
      interDigitMs: number;
      terminators: string;
      /** A JavaScript-and-PCRE-compatible regexp the digits must match, or undefined for any. */
      regexp?: string;
      /** The digits are sensitive (card numbers): recordings are masked while they are collected. */
      sensitive?: boolean;
    }
  | { kind: 'set'; name: string; value: string }
  | {
      kind: 'http';
      url: string;
      method: 'GET' | 'POST';
      timeoutMs: number;
      /** Query parameters (GET) or JSON body fields (POST), already resolved from call variables. */
      params: Record<string, string>;
      /** Response fields to keep: response JSON path -> call variable name. */
      map: Record<string, string>;
    }
  | { kind: 'queue'; queue: string; priority: number; skills: string[] }
  | { kind: 'transfer'; target: { type: 'extension'; extension: string } | { type: 'number'; number: string; gateway?: string } }
  | { kind: 'voicemail'; box: string; greeting?: MediaSpec[]; maxSeconds: number; silenceSeconds: number }
  | { kind: 'hangup'; cause: string }
  /**
   * A survey answer (src/ivr/nodes/survey.ts): store the score (the first csat action of the call), or add the recorded
   * comment to the answer already stored (`comment` set). The runner stores it in csat_answers with the call's queue,
   * agent and queue call (from the call variables) and answers `done`.
   */
  | { kind: 'csat'; score: number; comment?: string }
  /** Records a message that is not a voicemail (a survey comment): beep, record, `recorded` with its path. */
  | { kind: 'record'; purpose: 'comment'; greeting?: MediaSpec[]; maxSeconds: number; silenceSeconds: number }
  /** Nothing left to do (the flow ended, or the caller hung up). */
  | { kind: 'end'; reason: 'completed' | 'caller-hangup' | 'error'; detail?: string };

export type IvrInput =
  /** The action finished (answer, play, set, queue handed over...). */
  | { kind: 'done' }
  /** A collect attempt's result: the digits entered ('' on timeout) and whether they matched min/max/regexp. */
  | { kind: 'digits'; digits: string; valid: boolean }
  | { kind: 'http'; ok: boolean; status?: number; values: Record<string, string>; error?: string }
  | { kind: 'recorded'; path: string; durationMs: number; bytes?: number }
  | { kind: 'hangup' }
  /**
   * The answer to a `queue` action whose call came back from the ACD with the caller still on the line (the agent hung
   * up and the queue surveys its callers): the flow goes on in `flow`, with `variables` added (queue, agent, queue call).
   */
  | { kind: 'continue'; flow: string; variables: Record<string, string> }
  /** The action failed (FreeSWITCH error, timeout); the interpreter takes the node's fallback or ends with error. */
  | { kind: 'failed'; error: string };

/** One step of a call's path through a flow, stored on the call's IVR record and its CDR. */
export interface IvrPathStep {
  /** ms since the epoch, from the injected clock. */
  at: number;
  flow: string;
  flowVersion: number;
  node: string;
  nodeType: string;
  /** What happened: 'entered', 'played', 'digits', 'invalid', 'timeout', 'matched', 'lookup', 'routed', ... */
  event: string;
  digits?: string;
  detail?: string;
}

import { CSAT_MAX_SCORE, CSAT_MIN_SCORE } from '../../db/entities/csat';
import type { NodeOf } from '../flow-schema';
import { cleanText } from '../template';
import { hangupStep, proceed, unexpected, type NodeContext, type NodeHandler, type Step } from './types';

type Survey = NodeOf<'survey'>;

/** The phases of one survey visit (ctx.phase). */
const SCORE = 'score';
const STORE = 'store';
const OFFER = 'offer';
const RECORD = 'record';
const STORE_COMMENT = 'store-comment';
const THANKS = 'thanks';

const SCORE_KEYS = `^[${CSAT_MIN_SCORE}-${CSAT_MAX_SCORE}]$`;

function askScore(node: Survey, ctx: NodeContext, invalid: boolean): Step {
  ctx.phase = SCORE;
  return {
    kind: 'wait',
    action: {
      kind: 'collect',
      prompt: ctx.renderMedia([...(invalid && node.invalidPrompt ? node.invalidPrompt : []), ...node.question]),
      minDigits: 1,
      maxDigits: 1,
      timeoutMs: node.timeoutMs,
      interDigitMs: node.timeoutMs,
      // Every key is an answer (a valid or an invalid one): none terminates.
      terminators: 'none',
      regexp: SCORE_KEYS,
    },
  };
}

/** After the score (and the comment): the thanks prompt, then next or hang up. */
function thanks(node: Survey, ctx: NodeContext): Step {
  if (node.thanks) {
    ctx.phase = THANKS;
    return { kind: 'wait', action: { kind: 'play', media: ctx.renderMedia(node.thanks) } };
  }
  return after(node);
}

function after(node: Survey): Step {
  return node.next !== undefined ? proceed(node.next) : hangupStep('after the survey');
}

/**
 * `survey`: one key 1-5 for the question (an invalid key or silence asks again, `tries` in all; then onNoScore or hang
 * up); the score is stored at once (a caller who hangs up after pressing it is counted), as `csat_score`. With
 * `comment`, the caller may then press `comment.key` to record a comment, added to the stored answer
 * (`csat_comment_path`). Then `thanks`, then next or hang up.
 */
export const surveyNode: NodeHandler<'survey'> = {
  enter: (node, ctx) => askScore(node, ctx, false),
  resume(node, input, ctx) {
    switch (ctx.phase) {
      case SCORE: {
        if (input.kind === 'failed') {
          ctx.record('failed', { detail: input.error });
          return node.onNoScore !== undefined ? { kind: 'go', node: node.onNoScore } : { kind: 'end', reason: 'error', detail: `survey failed: ${input.error}` };
        }
        if (input.kind !== 'digits') return unexpected(input, 'survey score');
        const digits = input.digits;
        if (digits.length === 1 && digits >= String(CSAT_MIN_SCORE) && digits <= String(CSAT_MAX_SCORE)) {
          ctx.setVariable('csat_score', digits);
          ctx.record('digits', { digits, detail: 'survey score' });
          ctx.phase = STORE;
          return { kind: 'wait', action: { kind: 'csat', score: Number(digits) } };
        }
        if (digits === '') ctx.record('timeout');
        else ctx.record('invalid', { digits: digits.slice(0, 128), detail: `a score is one key ${CSAT_MIN_SCORE}-${CSAT_MAX_SCORE}` });
        ctx.attempts++;
        if (ctx.attempts < node.tries) return askScore(node, ctx, digits !== '');
        ctx.record('exhausted', { detail: `${ctx.attempts} tries, no score` });
        return node.onNoScore === undefined ? hangupStep('survey: no score') : { kind: 'go', node: node.onNoScore };
      }
      case STORE:
        if (input.kind === 'failed') ctx.record('failed', { detail: `answer not stored: ${input.error}` });
        else if (input.kind === 'done') ctx.record('stored', { detail: `score ${ctx.variables.csat_score ?? ''}` });
        else return unexpected(input, 'the survey answer to be stored');
        if (!node.comment) return thanks(node, ctx);
        ctx.phase = OFFER;
        return {
          kind: 'wait',
          action: {
            kind: 'collect',
            prompt: ctx.renderMedia(node.comment.offer),
            minDigits: 1,
            maxDigits: 1,
            timeoutMs: node.comment.timeoutMs,
            interDigitMs: node.comment.timeoutMs,
            terminators: 'none',
          },
        };
      case OFFER: {
        if (input.kind === 'failed') {
          ctx.record('failed', { detail: input.error });
          return thanks(node, ctx);
        }
        if (input.kind !== 'digits') return unexpected(input, 'the comment key');
        const comment = node.comment!;
        if (input.digits !== comment.key) {
          ctx.record(input.digits === '' ? 'timeout' : 'digits', { ...(input.digits ? { digits: input.digits.slice(0, 16) } : {}), detail: 'no comment' });
          return thanks(node, ctx);
        }
        ctx.record('digits', { digits: input.digits, detail: 'comment' });
        ctx.phase = RECORD;
        const greeting = comment.greeting ? ctx.renderMedia(comment.greeting) : undefined;
        return {
          kind: 'wait',
          action: {
            kind: 'record',
            purpose: 'comment',
            ...(greeting && greeting.length ? { greeting } : {}),
            maxSeconds: comment.maxSeconds,
            silenceSeconds: comment.silenceSeconds,
          },
        };
      }
      case RECORD: {
        if (input.kind === 'recorded') {
          const file = cleanText(String(input.path), 512);
          const duration = Number.isFinite(input.durationMs) ? Math.max(0, Math.round(input.durationMs)) : 0;
          ctx.setVariable('csat_comment_path', file);
          ctx.record('recorded', { detail: `comment, ${duration} ms` });
          ctx.phase = STORE_COMMENT;
          return { kind: 'wait', action: { kind: 'csat', score: Number(ctx.variables.csat_score), comment: file } };
        }
        if (input.kind === 'done') ctx.record('recorded', { detail: 'comment, nothing recorded' });
        else if (input.kind === 'failed') ctx.record('failed', { detail: input.error });
        else return unexpected(input, 'the comment recording');
        return thanks(node, ctx);
      }
      case STORE_COMMENT:
        if (input.kind === 'failed') ctx.record('failed', { detail: `comment not stored: ${input.error}` });
        else if (input.kind !== 'done') return unexpected(input, 'the comment to be stored');
        return thanks(node, ctx);
      case THANKS:
        if (input.kind === 'failed') ctx.record('failed', { detail: input.error });
        else if (input.kind === 'done') ctx.record('played');
        else return unexpected(input, 'the thanks prompt');
        return after(node);
      default:
        return { kind: 'end', reason: 'error', detail: `survey: unknown phase ${JSON.stringify(ctx.phase)}` };
    }
  },
};

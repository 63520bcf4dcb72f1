import { MAX_PRIORITY } from '../flow-schema';
import type { NodeHandler } from './types';

const SKILL = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/**
 * `queue`: hands the call to the ACD. A templated priority must render to an integer (clamped to 0-1000, else 0); a
 * templated skill list is split on commas and names that are not valid skill names are dropped.
 */
export const queueNode: NodeHandler<'queue'> = {
  enter(node, ctx) {
    let priority = 0;
    if (typeof node.priority === 'number') priority = node.priority;
    else if (node.priority !== undefined) {
      const text = ctx.render(node.priority, 64).trim();
      priority = /^-?[0-9]{1,9}$/.test(text) ? Math.min(MAX_PRIORITY, Math.max(0, Number(text))) : 0;
    }
    const skills =
      node.skills === undefined
        ? []
        : Array.isArray(node.skills)
          ? [...node.skills]
          : ctx
              .render(node.skills)
              .split(',')
              .map((s) => s.trim())
              .filter((s) => SKILL.test(s))
              .slice(0, 32);
    ctx.record('routed', { detail: `queue ${node.queue} priority ${priority}${skills.length ? ` skills ${skills.join(',')}` : ''}` });
    return { kind: 'route', action: { kind: 'queue', queue: node.queue, priority, skills }, outcome: 'queue', detail: node.queue };
  },
};

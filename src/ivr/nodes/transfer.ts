import type { IvrAction } from '../protocol';
import type { NodeHandler } from './types';

/** `transfer`: to an extension, or to a number (optionally through a gateway). */
export const transferNode: NodeHandler<'transfer'> = {
  enter(node, ctx) {
    let target: Extract<IvrAction, { kind: 'transfer' }>['target'];
    if (node.extension !== undefined) target = { type: 'extension', extension: node.extension };
    else target = { type: 'number', number: node.number ?? '', ...(node.gateway !== undefined ? { gateway: node.gateway } : {}) };
    const detail = target.type === 'extension' ? `extension ${target.extension}` : `number ${target.number}`;
    ctx.record('routed', { detail: `transfer to ${detail}` });
    return { kind: 'route', action: { kind: 'transfer', target }, outcome: 'transfer', detail };
  },
};

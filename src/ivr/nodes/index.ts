/** One handler per node type; the session finds a node's handler here by its `type`. */
import type { FlowNode, NodeType } from '../flow-schema';
import { answerNode } from './answer';
import { backNode } from './back';
import { collectNode } from './collect';
import { conditionNode } from './condition';
import { gotoNode } from './goto';
import { hangupNode } from './hangup';
import { httpNode } from './http';
import { menuNode } from './menu';
import { playNode } from './play';
import { queueNode } from './queue';
import { setNode } from './set';
import { surveyNode } from './survey';
import { topNode } from './top';
import { transferNode } from './transfer';
import { voicemailNode } from './voicemail';
import type { NodeContext, NodeHandler, NodeInput, Step } from './types';

export const NODE_HANDLERS: { [T in NodeType]: NodeHandler<T> } = {
  answer: answerNode,
  play: playNode,
  menu: menuNode,
  collect: collectNode,
  condition: conditionNode,
  set: setNode,
  http: httpNode,
  goto: gotoNode,
  back: backNode,
  top: topNode,
  queue: queueNode,
  transfer: transferNode,
  voicemail: voicemailNode,
  hangup: hangupNode,
  survey: surveyNode,
};

type AnyHandler = NodeHandler<NodeType> & {
  enter(node: FlowNode, ctx: NodeContext): Step;
  resume?(node: FlowNode, input: NodeInput, ctx: NodeContext): Step;
};

function handler(node: FlowNode): AnyHandler {
  return NODE_HANDLERS[node.type] as unknown as AnyHandler;
}

export function enterNode(node: FlowNode, ctx: NodeContext): Step {
  return handler(node).enter(node, ctx);
}

export function resumeNode(node: FlowNode, input: NodeInput, ctx: NodeContext): Step {
  const h = handler(node);
  if (!h.resume) return { kind: 'end', reason: 'error', detail: `node type ${node.type} does not take input` };
  return h.resume(node, input, ctx);
}

export type { NodeContext, NodeHandler, NodeInput, Step } from './types';
export { digitsProblem, type DigitRules } from './digits';

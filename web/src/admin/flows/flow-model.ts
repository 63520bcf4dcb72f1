/**
 * What the graph needs from a flow document the admin is typing: its nodes and the edges between them. The
 * document may be invalid, so everything is read defensively from unknown JSON (the server's validator is the judge;
 * this only draws). Edge fields mirror nodeEdges in src/ivr/flow-schema.ts.
 */

export interface GraphNode {
  id: string;
  type: string;
  /** A short summary under the id: the queue, the media, the transfer target... */
  summary: string;
  /** Not in the document: the target of an edge that points to a missing node. */
  missing?: boolean;
}

export interface GraphEdge {
  from: string;
  to: string;
  /** The field that names the target: next, options.1, else... shown on the edge. */
  label: string;
}

export interface FlowGraphModel {
  start: string | undefined;
  nodes: GraphNode[];
  edges: GraphEdge[];
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function edgesOf(node: Record<string, unknown>): Array<{ field: string; target: string }> {
  const out: Array<{ field: string; target: string }> = [];
  const add = (field: string, v: unknown) => {
    if (typeof v === 'string') out.push({ field, target: v });
  };
  switch (node.type) {
    case 'menu':
      if (isObj(node.options)) for (const [k, v] of Object.entries(node.options)) add(k, v);
      add('timeout', node.onTimeout);
      add('invalid', node.onInvalid);
      break;
    case 'collect':
    case 'http':
      add('next', node.next);
      add('failure', node.onFailure);
      break;
    case 'condition':
      if (Array.isArray(node.branches)) node.branches.forEach((b, i) => isObj(b) && add(`when ${i + 1}`, b.next));
      add('else', node.else);
      break;
    case 'goto':
      if (node.flow === undefined) add('goto', node.node);
      break;
    default:
      add('next', node.next);
  }
  return out;
}

function summaryOf(node: Record<string, unknown>): string {
  switch (node.type) {
    case 'queue':
      return `queue ${str(node.queue) ?? '?'}`;
    case 'transfer':
      return `to ${str(node.extension) ?? str(node.number) ?? '?'}`;
    case 'voicemail':
      return `box ${str(node.box) ?? '?'}`;
    case 'goto':
      return node.flow !== undefined ? `flow ${str(node.flow) ?? '?'}${node.node !== undefined ? ` / ${str(node.node) ?? '?'}` : ''}` : 'goto';
    case 'set':
      return `${str(node.variable) ?? '?'} =`;
    case 'collect':
      return `into ${str(node.variable) ?? '?'}`;
    case 'http':
      return `${str(node.method) ?? 'GET'} request`;
    case 'hangup':
      return str(node.cause) ?? 'NORMAL_CLEARING';
    default:
      return '';
  }
}

export function flowGraph(doc: unknown): FlowGraphModel {
  if (!isObj(doc) || !isObj(doc.nodes)) return { start: undefined, nodes: [], edges: [] };
  const ids = new Set(Object.keys(doc.nodes));
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const missing = new Set<string>();
  for (const [id, raw] of Object.entries(doc.nodes)) {
    const node = isObj(raw) ? raw : {};
    nodes.push({ id, type: str(node.type) ?? '?', summary: summaryOf(node) });
    for (const { field, target } of edgesOf(node)) {
      edges.push({ from: id, to: target, label: field });
      if (!ids.has(target)) missing.add(target);
    }
  }
  const start = str(doc.start);
  if (start !== undefined && !ids.has(start)) missing.add(start);
  for (const id of missing) nodes.push({ id, type: 'missing', summary: 'no such node', missing: true });
  return { start, nodes, edges };
}

import dagre from '@dagrejs/dagre';
import { useEffect, useMemo, useRef, useState } from 'react';
import type { FlowGraphModel } from './flow-model';

const NODE_H = 46;
const CHAR_W = 7.2;

interface Laid {
  width: number;
  height: number;
  nodes: Array<{ id: string; type: string; summary: string; missing: boolean; x: number; y: number; w: number }>;
  edges: Array<{ from: string; to: string; label: string; d: string; lx: number; ly: number }>;
}

/** Lays the graph out top to bottom with dagre (edges named by their field, so two edges between a pair both show). */
function layout(model: FlowGraphModel): Laid {
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: 'TB', nodesep: 28, ranksep: 46, edgesep: 12, marginx: 14, marginy: 24 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of model.nodes) {
    const w = Math.min(230, Math.max(96, Math.max(n.id.length, n.type.length + n.summary.length + 1) * CHAR_W + 20));
    g.setNode(n.id, { width: w, height: NODE_H });
  }
  model.edges.forEach((e, k) => {
    g.setEdge(e.from, e.to, { width: e.label.length * 6.5 + 6, height: 14, labelpos: 'c' }, `${k}`);
  });
  dagre.layout(g);
  const graph = g.graph() as { width?: number; height?: number };
  const nodes = model.nodes.map((n) => {
    const p = g.node(n.id) as { x: number; y: number; width: number };
    return { id: n.id, type: n.type, summary: n.summary, missing: !!n.missing, x: p.x, y: p.y, w: p.width };
  });
  const edges = model.edges.map((e, k) => {
    const lab = g.edge({ v: e.from, w: e.to, name: `${k}` }) as { points?: Array<{ x: number; y: number }>; x?: number; y?: number };
    const pts = lab.points ?? [];
    const d = pts.map((p, i) => `${i ? 'L' : 'M'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
    const mid = pts[Math.floor(pts.length / 2)] ?? { x: 0, y: 0 };
    return { ...e, d, lx: lab.x ?? mid.x, ly: lab.y ?? mid.y };
  });
  return { width: Math.ceil(graph.width ?? 0), height: Math.ceil(graph.height ?? 0), nodes, edges };
}

/**
 * The flow as a graph: one box per node (id, type, summary), arrows labelled with the field that leads there. The
 * start node has a double border and a "start" tag; nodes with errors are red and carry their messages in a tooltip
 * and in their accessible name; the nodes a dry-run visited are tinted. Every node is a button: it selects the
 * node's text in the editor. All labels are React text.
 */
export function FlowGraph(props: {
  model: FlowGraphModel;
  errors: ReadonlyMap<string, string[]>;
  warnings: ReadonlyMap<string, string[]>;
  visited: ReadonlySet<string>;
  selected: string | undefined;
  onSelect: (id: string) => void;
}) {
  const laid = useMemo(() => layout(props.model), [props.model]);
  // Wide flows are shrunk to the panel's width by default (the overview); "Actual size" scrolls instead.
  const [fit, setFit] = useState(true);
  const box = useRef<HTMLDivElement>(null);
  // Bring the selected node into view (an error clicked in the list, a node chosen by keyboard).
  useEffect(() => {
    if (!props.selected || !box.current) return;
    const el = [...box.current.querySelectorAll<SVGGElement>('g.fg-node')].find((g) => g.dataset.node === props.selected);
    el?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }, [props.selected, fit]);
  if (!props.model.nodes.length) return <p className="muted">The graph appears when the document has nodes.</p>;
  return (
    <div>
      <div className="row graph-tools">
        <span className="muted">
          {props.model.nodes.length} nodes · {props.model.edges.length} edges
        </span>
        <span className="spacer" />
        <button type="button" className="small" aria-pressed={!fit} onClick={() => setFit((f) => !f)}>
          Actual size
        </button>
      </div>
      <div className="flow-graph" ref={box}>
        <svg
          width={fit ? '100%' : laid.width}
          height={fit ? undefined : laid.height}
          style={fit ? { maxWidth: laid.width } : undefined}
          viewBox={`0 0 ${laid.width} ${laid.height}`}
          role="group"
          aria-label="Flow graph"
        >
          <defs>
            <marker id="fg-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" markerUnits="userSpaceOnUse" orient="auto-start-reverse">
              <path d="M0,0 L10,5 L0,10 z" className="fg-arrowhead" />
            </marker>
          </defs>
          {laid.edges.map((e, k) => (
            <g key={k} className={props.visited.has(e.from) && props.visited.has(e.to) ? 'fg-edge visited' : 'fg-edge'}>
              <path d={e.d} markerEnd="url(#fg-arrow)" />
              <text x={e.lx} y={e.ly + 4} textAnchor="middle">
                {e.label}
              </text>
            </g>
          ))}
          {laid.nodes.map((n) => {
            const errs = props.errors.get(n.id) ?? [];
            const warns = props.warnings.get(n.id) ?? [];
            const isStart = n.id === props.model.start;
            const cls = ['fg-node', isStart && 'start', errs.length && 'error', !errs.length && warns.length && 'warning', n.missing && 'missing', props.visited.has(n.id) && 'visited', props.selected === n.id && 'selected']
              .filter(Boolean)
              .join(' ');
            const name = `${n.id} (${n.type})${isStart ? ', start node' : ''}${errs.length ? `, ${errs.length} error${errs.length > 1 ? 's' : ''}: ${errs.join('; ')}` : ''}${warns.length ? `, warning: ${warns.join('; ')}` : ''}`;
            const x = n.x - n.w / 2;
            const y = n.y - NODE_H / 2;
            return (
              <g
                key={n.id}
                className={cls}
                data-node={n.id}
                role="button"
                tabIndex={0}
                aria-label={name}
                aria-pressed={props.selected === n.id}
                onClick={() => props.onSelect(n.id)}
                onKeyDown={(ev) => {
                  if (ev.key === 'Enter' || ev.key === ' ') {
                    ev.preventDefault();
                    props.onSelect(n.id);
                  }
                }}
              >
                <title>{name}</title>
                <rect x={x} y={y} width={n.w} height={NODE_H} rx={6} />
                {isStart && <rect className="start-ring" x={x - 4} y={y - 4} width={n.w + 8} height={NODE_H + 8} rx={9} />}
                <text x={n.x} y={y + 18} textAnchor="middle" className="fg-id">
                  {n.id.length > 30 ? `${n.id.slice(0, 29)}…` : n.id}
                </text>
                <text x={n.x} y={y + 35} textAnchor="middle" className="fg-sub">
                  {clip(`${n.type}${n.summary ? ` · ${n.summary}` : ''}`, Math.floor((n.w - 12) / 6.2))}
                </text>
                {isStart && (
                  <text x={x + 2} y={y - 7} className="fg-tag">
                    start
                  </text>
                )}
                {errs.length > 0 && (
                  <text x={x + n.w - 4} y={y + 14} textAnchor="end" className="fg-bang">
                    !
                  </text>
                )}
              </g>
            );
          })}
        </svg>
      </div>
    </div>
  );
}

function clip(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, Math.max(1, max - 1))}…` : s;
}

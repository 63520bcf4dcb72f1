import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  label: string;
  values: Array<number | null>;
  /** CSS colour; defaults to a palette colour. */
  color?: string;
  /** Plot on the right-hand axis (e.g. percentages next to counts). */
  right?: boolean;
}

const PALETTE = ['#1f5fbf', '#c2410c', '#15803d', '#7c3aed', '#b91c1c', '#0e7490'];

/**
 * A time-series chart (uPlot: small, fast, canvas). `x` is seconds since the epoch; the chart follows the width of
 * its box. The accessible name and the table next to every chart carry the same figures for screen readers.
 */
export function TimeChart({ x, series, height = 220, label, rightRange }: { x: number[]; series: ChartSeries[]; height?: number; label: string; /** Fixed range of the right-hand axis, e.g. [0, 100] for percentages. */ rightRange?: [number, number] }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const hasRight = series.some((s) => s.right);
    const opts: uPlot.Options = {
      width: Math.max(300, el.clientWidth),
      height,
      series: [
        {},
        ...series.map((s, i) => ({
          label: s.label,
          stroke: s.color ?? PALETTE[i % PALETTE.length],
          width: 2,
          scale: s.right ? 'r' : 'y',
          points: { show: x.length < 60 },
        })),
      ],
      axes: [{}, { scale: 'y' }, ...(hasRight ? [{ scale: 'r', side: 1 as const, grid: { show: false } }] : [])],
      scales: { x: { time: true }, ...(rightRange ? { r: { range: rightRange } } : {}) },
    };
    const plot = new uPlot(opts, [x, ...series.map((s) => s.values)] as uPlot.AlignedData, el);
    const ro = new ResizeObserver(() => plot.setSize({ width: Math.max(300, el.clientWidth), height }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      plot.destroy();
    };
  }, [x, series, height, rightRange?.[0], rightRange?.[1]]);
  return <div ref={box} className="chart" role="img" aria-label={label} />;
}

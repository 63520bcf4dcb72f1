import { useImperativeHandle, useMemo, useRef, useState, type Ref } from 'react';

/** What a page can do to the editor: select a range (an error's field, a node clicked on the graph). */
export interface CodeEditorHandle {
  select: (start: number, end: number) => void;
}

export type LineMark = 'error' | 'warning';

/**
 * A plain textarea with a line-number gutter that marks the lines holding errors and warnings. The gutter is
 * decoration (aria-hidden): the problem list next to the editor says the same in words, with buttons that select
 * the line. Line height is fixed in CSS (.code-editor) so gutter and text stay aligned while scrolling.
 */
export function CodeEditor(props: {
  id: string;
  value: string;
  onChange: (value: string) => void;
  marks: ReadonlyMap<number, LineMark>;
  describedBy?: string;
  invalid?: boolean;
  rows?: number;
  ref?: Ref<CodeEditorHandle>;
}) {
  const area = useRef<HTMLTextAreaElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const lineCount = useMemo(() => props.value.split('\n').length, [props.value]);

  useImperativeHandle(
    props.ref,
    () => ({
      select(start, end) {
        const el = area.current;
        if (!el) return;
        el.focus();
        el.setSelectionRange(start, end);
        // Bring the selection into view: its line, a few lines from the top.
        const line = el.value.slice(0, start).split('\n').length;
        const lh = parseFloat(getComputedStyle(el).lineHeight) || 20;
        el.scrollTop = Math.max(0, (line - 4) * lh);
        setScrollTop(el.scrollTop);
      },
    }),
    [],
  );

  return (
    <div className="code-editor">
      <div className="gutter" aria-hidden="true">
        <div style={{ transform: `translateY(${-scrollTop}px)` }}>
          {Array.from({ length: lineCount }, (_, k) => {
            const mark = props.marks.get(k + 1);
            return (
              <div key={k} className={mark ? `ln ${mark}` : 'ln'}>
                {k + 1}
              </div>
            );
          })}
        </div>
      </div>
      <textarea
        ref={area}
        id={props.id}
        className="code"
        spellCheck={false}
        autoCapitalize="off"
        autoComplete="off"
        wrap="off"
        rows={props.rows ?? 24}
        value={props.value}
        aria-invalid={props.invalid || undefined}
        aria-describedby={props.describedBy}
        onChange={(e) => props.onChange(e.target.value)}
        onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
      />
    </div>
  );
}

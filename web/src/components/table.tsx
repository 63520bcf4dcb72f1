import type { ReactNode } from 'react';

export interface Column<T> {
  key: string;
  label: string;
  render: (row: T) => ReactNode;
  /** Right-aligned numbers. */
  num?: boolean;
}

/** A dense table; every cell is rendered as React text or elements, never as HTML. */
export function DataTable<T>({ columns, rows, rowKey, empty = 'Nothing to show.', caption }: {
  columns: Column<T>[];
  rows: T[] | undefined;
  rowKey: (row: T) => string | number;
  empty?: string;
  caption?: string;
}) {
  return (
    <table className="data">
      {caption && <caption>{caption}</caption>}
      <thead>
        <tr>
          {columns.map((c) => (
            <th key={c.key} scope="col" className={c.num ? 'num' : undefined}>
              {c.label}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows && rows.length > 0 ? (
          rows.map((r) => (
            <tr key={rowKey(r)}>
              {columns.map((c) => (
                <td key={c.key} className={c.num ? 'num' : undefined}>
                  {c.render(r)}
                </td>
              ))}
            </tr>
          ))
        ) : (
          <tr>
            <td colSpan={columns.length} className="empty">
              {rows ? empty : 'Loading…'}
            </td>
          </tr>
        )}
      </tbody>
    </table>
  );
}

import { DataTable } from './table';

/** A CSV import's rejected rows as the import routes report them (line, reason, the value refused). */
export interface RejectedRow {
  line: number;
  reason: string;
  value: string;
}

export function RejectedRows({ errors, truncated }: { errors: readonly RejectedRow[]; truncated: boolean }) {
  if (errors.length === 0) return null;
  return (
    <div className="table-wrap">
      <DataTable
        caption={`Rejected rows${truncated ? ' (the first 100)' : ''}`}
        columns={[
          { key: 'line', label: 'Line', num: true, render: (e: RejectedRow) => e.line },
          { key: 'reason', label: 'Reason', render: (e: RejectedRow) => e.reason },
          { key: 'value', label: 'Value', render: (e: RejectedRow) => <code className="raw">{e.value}</code> },
        ]}
        rows={[...errors]}
        rowKey={(e) => `${e.line}:${e.reason}`}
      />
    </div>
  );
}

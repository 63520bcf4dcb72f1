import type { EntitySchemaColumnOptions, ValueTransformer } from 'typeorm';

/**
 * Column helpers shared by the entity schemas. Both engines store timestamps in UTC with millisecond precision:
 * MySQL/MariaDB as DATETIME(3) (the pool runs with timezone 'Z'), SQLite as text 'YYYY-MM-DD HH:MM:SS.SSS', which
 * is what typeorm's `datetime` type writes and reads there, and which sorts in time order. Entities see `Date`.
 */
export const timestamp = (options: { nullable?: boolean; createDate?: boolean; updateDate?: boolean } = {}): EntitySchemaColumnOptions => ({
  type: 'datetime',
  precision: 3,
  nullable: options.nullable ?? false,
  ...(options.createDate ? { createDate: true } : {}),
  ...(options.updateDate ? { updateDate: true } : {}),
});

/** MySQL returns BIGINT as a string (bigNumberStrings); ids stay far below 2^53, so entities see numbers on both engines. */
export const bigintToNumber: ValueTransformer = {
  to: (value: unknown) => value,
  from: (value: unknown) => (value === null || value === undefined ? value : Number(value)),
};

/** Formats a Date the way both engines store it: UTC 'YYYY-MM-DD HH:MM:SS.SSS' (for raw SQL and query parameters). */
export function sqlDateTime(date: Date | number): string {
  const d = typeof date === 'number' ? new Date(date) : date;
  return d.toISOString().slice(0, 23).replace('T', ' ');
}

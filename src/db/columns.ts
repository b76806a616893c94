/** Column helpers shared by every table, so each convention is written once. */
import { sql, type SQL } from 'drizzle-orm';
import { timestamp } from 'drizzle-orm/pg-core';

/** `timestamptz`, read and written as a JS `Date`. */
export const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** `<column> IN ('a', 'b', ...)` for a CHECK constraint over a fixed list of text values. */
export function oneOf(column: SQL | { name: string }, values: readonly string[]): SQL {
  const list = values.map((v) => `'${v.replace(/'/g, "''")}'`).join(', ');
  return sql`${column} in (${sql.raw(list)})`;
}

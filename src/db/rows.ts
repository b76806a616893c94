/** Helpers for raw statements (`db.execute`), whose result differs between the two drivers. */

/** The rows of a `db.execute` result: postgres.js gives an array, PGlite `{ rows }`. */
export function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : ((result as { rows?: unknown[] }).rows ?? [])) as T[];
}

/** Small named facts about this database (e.g. `bootstrap_applied`), as JSON. */
import { eq } from 'drizzle-orm';
import type { Db } from './client.js';
import { meta } from './system.sql.js';

export const META_BOOTSTRAP_APPLIED = 'bootstrap_applied';
/** How far dev mode's clock is ahead of real time (ms), so data made "in the future" stays there across a restart. */
export const META_DEV_CLOCK_OFFSET = 'dev_clock_offset_ms';

export class MetaStore {
  constructor(private readonly db: Db) {}

  /** The value stored under `key`, or undefined. */
  async get<T = unknown>(key: string): Promise<T | undefined> {
    const [row] = await this.db.select({ value: meta.value }).from(meta).where(eq(meta.key, key));
    return row ? (row.value as T) : undefined;
  }

  async set(key: string, value: unknown): Promise<void> {
    await this.db.insert(meta).values({ key, value }).onConflictDoUpdate({ target: meta.key, set: { value } });
  }

  /** Sets `key` only if absent; true for the caller that set it. */
  async setIfAbsent(key: string, value: unknown): Promise<boolean> {
    const rows = await this.db.insert(meta).values({ key, value }).onConflictDoNothing({ target: meta.key }).returning({ key: meta.key });
    return rows.length > 0;
  }
}

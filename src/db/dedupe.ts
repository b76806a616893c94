/** First-caller-wins keys for Slack retries and double clicks, across replicas. */
import { lt } from 'drizzle-orm';
import type { Db } from './client.js';
import { dedupeKeys } from './system.sql.js';

export class DedupeStore {
  constructor(private readonly db: Db) {}

  /** True for the first caller with `key`; false for every later one. */
  async claimOnce(key: string, now: Date): Promise<boolean> {
    const rows = await this.db
      .insert(dedupeKeys)
      .values({ key, createdAt: now })
      .onConflictDoNothing({ target: dedupeKeys.key })
      .returning({ key: dedupeKeys.key });
    return rows.length > 0;
  }

  /** Forgets keys claimed before `before`; returns how many. */
  async prune(before: Date): Promise<number> {
    const rows = await this.db.delete(dedupeKeys).where(lt(dedupeKeys.createdAt, before)).returning({ key: dedupeKeys.key });
    return rows.length;
  }
}

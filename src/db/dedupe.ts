/** First-caller-wins keys for Slack retries and double clicks, across replicas. */
import { and, isNotNull, isNull, lt, or } from 'drizzle-orm';
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

  /** Forgets keys claimed before `before`; returns how many. An inbox request still owed is kept. */
  async prune(before: Date): Promise<number> {
    const settled = or(isNull(dedupeKeys.body), isNotNull(dedupeKeys.doneAt));
    const rows = await this.db
      .delete(dedupeKeys)
      .where(and(lt(dedupeKeys.createdAt, before), settled))
      .returning({ key: dedupeKeys.key });
    return rows.length;
  }
}

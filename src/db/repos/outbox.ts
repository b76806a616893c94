import { sql } from 'drizzle-orm';
import type { Clock, OutboxPayload, OutboxRepo } from '../../core/ports.js';
import type { Db } from '../client.js';
import { outbox } from '../outbox.sql.js';

/** The NOTIFY channel that wakes outbox dispatchers in every replica. */
export const OUTBOX_CHANNEL = 'pim_outbox';

export class DrizzleOutboxRepo implements OutboxRepo {
  /** Rows queued by this transaction, written together by `flush` before commit. */
  private pending = new Map<string, { dedupeKey: string; payload: OutboxPayload; nextAttemptAt: Date; createdAt: Date }>();

  /** `onInserted` runs when new rows were written, so the store knows to wake the dispatcher after commit. */
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly onInserted: () => void = () => {},
  ) {}

  async enqueue(dedupeKey: string, payload: OutboxPayload, notBefore?: Date): Promise<void> {
    if (this.pending.has(dedupeKey)) return;
    const now = this.clock.now();
    this.pending.set(dedupeKey, { dedupeKey, payload, nextAttemptAt: notBefore ?? now, createdAt: now });
  }

  /** Inserts the queued rows (existing dedupe keys are left alone) and NOTIFYs other replicas. */
  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const rows = [...this.pending.values()];
    this.pending.clear();
    let inserted = 0;
    for (let i = 0; i < rows.length; i += 1000) {
      const chunk = rows.slice(i, i + 1000);
      const ids = await this.db.insert(outbox).values(chunk).onConflictDoNothing({ target: outbox.dedupeKey }).returning({ id: outbox.id });
      inserted += ids.length;
    }
    if (inserted === 0) return;
    // Delivered by PostgreSQL only if and when this transaction commits.
    await this.db.execute(sql`select pg_notify(${OUTBOX_CHANNEL}, '')`);
    this.onInserted();
  }
}

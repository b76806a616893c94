import { sql } from 'drizzle-orm';
import type { Clock, OutboxPayload, OutboxRepo } from '../../core/ports.js';
import type { Db } from '../client.js';
import { outbox } from '../outbox.sql.js';

/** The NOTIFY channel that wakes outbox dispatchers in every replica. */
export const OUTBOX_CHANNEL = 'pim_outbox';

export class DrizzleOutboxRepo implements OutboxRepo {
  private notified = false;

  /** `onInserted` runs once per new row, so the store knows to wake the dispatcher after commit. */
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly onInserted: () => void = () => {},
  ) {}

  async enqueue(dedupeKey: string, payload: OutboxPayload, notBefore?: Date): Promise<void> {
    const now = this.clock.now();
    const inserted = await this.db
      .insert(outbox)
      .values({ dedupeKey, payload, nextAttemptAt: notBefore ?? now, createdAt: now })
      .onConflictDoNothing({ target: outbox.dedupeKey })
      .returning({ id: outbox.id });
    if (inserted.length === 0) return;
    if (!this.notified) {
      // Delivered by PostgreSQL only if and when this transaction commits.
      await this.db.execute(sql`select pg_notify(${OUTBOX_CHANNEL}, '')`);
      this.notified = true;
    }
    this.onInserted();
  }
}

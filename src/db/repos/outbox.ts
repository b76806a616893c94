import { sql } from 'drizzle-orm';
import type { Clock, OutboxPayload, OutboxRepo } from '../../core/index.js';
import type { Db } from '../client.js';
import { outbox } from '../outbox.sql.js';
import { rowsOf } from '../rows.js';

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
    for (let i = 0; i < rows.length; i += 2000) {
      // One JSON parameter per chunk, in queue order (ids follow it): see DrizzleAuditRepo.flush.
      const json = JSON.stringify(
        rows.slice(i, i + 2000).map((r) => ({ dedupe_key: r.dedupeKey, payload: r.payload, next_attempt_at: r.nextAttemptAt.toISOString(), created_at: r.createdAt.toISOString() })),
      );
      const result = await this.db.execute(sql`
        with added as (
          insert into ${outbox} (dedupe_key, payload, next_attempt_at, created_at)
          select dedupe_key, payload, next_attempt_at, created_at
          from rows from (json_to_recordset(${json}::json) as (dedupe_key text, payload jsonb, next_attempt_at timestamptz, created_at timestamptz))
            with ordinality as x(dedupe_key, payload, next_attempt_at, created_at, n)
          order by n
          on conflict (dedupe_key) do nothing
          returning 1
        )
        select count(*)::int as n from added`);
      inserted += rowsOf<{ n: number }>(result)[0]?.n ?? 0;
    }
    if (inserted === 0) return;
    // Delivered by PostgreSQL only if and when this transaction commits.
    await this.db.execute(sql`select pg_notify(${OUTBOX_CHANNEL}, '')`);
    this.onInserted();
  }
}

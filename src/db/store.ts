/** The core's `Store`: one database transaction per unit of work, with repositories bound to it. */
import { AsyncLocalStorage } from 'node:async_hooks';
import { PGlite } from '@electric-sql/pglite';
import type { Clock, Store, UnitOfWork } from '../core/ports.js';
import type { Db } from './client.js';
import { DrizzleAssignmentRepo } from './repos/assignments.js';
import { DrizzleAuditRepo } from './repos/audit.js';
import { DrizzleMfaRepo } from './repos/mfa.js';
import { DrizzleOutboxRepo } from './repos/outbox.js';
import { DrizzleRequestRepo } from './repos/requests.js';

export interface DrizzleStoreOptions {
  /** Default `next_attempt_at`/`created_at` of outbox rows and `updatedAt` of transitions without one. */
  clock: Clock;
  /**
   * Called after a transaction that enqueued outbox rows has committed (this replica's
   * dispatcher can start at once; other replicas hear `pim_outbox`). Must not throw.
   */
  onOutboxCommit?: () => void;
}

/** Repositories bound to one transaction (or, outside the store, to the bare database). */
export function unitOfWork(db: Db, clock: Clock, onOutboxInsert?: () => void): UnitOfWork {
  return {
    requests: new DrizzleRequestRepo(db, clock),
    assignments: new DrizzleAssignmentRepo(db),
    audit: new DrizzleAuditRepo(db),
    outbox: new DrizzleOutboxRepo(db, clock, onOutboxInsert),
    mfa: new DrizzleMfaRepo(db),
  };
}

export class DrizzleStore implements Store {
  private readonly clock: Clock;
  private readonly onOutboxCommit: (() => void) | undefined;
  private readonly singleConnection: boolean;
  private readonly inTransaction = new AsyncLocalStorage<true>();

  constructor(
    private readonly db: Db,
    options: DrizzleStoreOptions,
  ) {
    this.clock = options.clock;
    this.onOutboxCommit = options.onOutboxCommit;
    this.singleConnection = (db as { $client?: unknown }).$client instanceof PGlite;
  }

  /**
   * READ COMMITTED; a throw from `fn` rolls everything back and is rethrown. On PGlite (one
   * connection) a transaction opened inside another would wait for it forever, so it throws.
   */
  async transaction<T>(fn: (uow: UnitOfWork) => Promise<T>): Promise<T> {
    if (this.singleConnection && this.inTransaction.getStore()) {
      throw new Error('store.transaction() called inside another transaction: use the UnitOfWork already given (PGlite has one connection)');
    }
    let enqueued = false;
    const result = await this.db.transaction((tx) =>
      this.inTransaction.run(true, () =>
        fn(
          unitOfWork(tx, this.clock, () => {
            enqueued = true;
          }),
        ),
      ),
    );
    if (enqueued && this.onOutboxCommit) {
      try {
        this.onOutboxCommit();
      } catch {
        // The commit stands; a failed wake-up is covered by the dispatcher's NOTIFY and polling.
      }
    }
    return result;
  }
}

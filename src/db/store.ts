/** The core's `Store`: one database transaction per unit of work, with repositories bound to it. */
import { DrizzleAlertRepo } from './repos/alerts.js';
import { AsyncLocalStorage } from 'node:async_hooks';
import { PGlite } from '@electric-sql/pglite';
import { type AuditEvent, type Clock, CommitAndThrow, type Store, type UnitOfWork } from '../core/index.js';
import { currentInbox } from '../inbox-context.js';
import type { Db } from './client.js';
import { markRan } from './inbox.js';
import { AdvisoryJobLock } from './locks.js';
import { DrizzleAssignmentRepo } from './repos/assignments.js';
import { DrizzleAuditRepo } from './repos/audit.js';
import { DrizzleMfaRepo } from './repos/mfa.js';
import { DrizzleOutboxRepo } from './repos/outbox.js';
import { DrizzleRequestRepo } from './repos/requests.js';
import { DrizzleReviewRepo } from './repos/reviews.js';

export interface DrizzleStoreOptions {
  /** Default `next_attempt_at`/`created_at` of outbox rows and `updatedAt` of transitions without one. */
  clock: Clock;
  /**
   * Called after a transaction that enqueued outbox rows has committed (this replica's
   * dispatcher can start at once; other replicas hear `pim_outbox`). Must not throw.
   */
  onOutboxCommit?: () => void;
}

/** A unit of work whose audit and outbox rows are buffered until `flush` (called before commit). */
export interface FlushableUnitOfWork extends UnitOfWork {
  /** Writes buffered audit rows and outbox rows, each kind in as few statements as possible. */
  flush(): Promise<void>;
  /** The audit rows written by `flush` so far. */
  readonly auditWritten: readonly AuditEvent[];
}

/** Told, after a commit, of the audit rows the transaction wrote (metrics count from them). */
export type CommitListener = (audit: readonly AuditEvent[]) => void;

/**
 * Repositories bound to one transaction. Audit and outbox rows are written in bulk by `flush`,
 * which the store runs just before commit: a deadline batch that expires 500 activations writes
 * its 500 audit rows and their notices in a handful of statements.
 */
export function unitOfWork(db: Db, clock: Clock, onOutboxInsert?: () => void): FlushableUnitOfWork {
  const audit = new DrizzleAuditRepo(db);
  const outbox = new DrizzleOutboxRepo(db, clock, onOutboxInsert);
  return {
    requests: new DrizzleRequestRepo(db, clock),
    assignments: new DrizzleAssignmentRepo(db),
    audit,
    outbox,
    mfa: new DrizzleMfaRepo(db),
    locks: new AdvisoryJobLock(db),
    alerts: new DrizzleAlertRepo(db),
    reviews: new DrizzleReviewRepo(db),
    async flush() {
      await audit.flush();
      await outbox.flush();
    },
    get auditWritten() {
      return audit.written;
    },
  };
}

export class DrizzleStore implements Store {
  private readonly clock: Clock;
  private readonly onOutboxCommit: (() => void) | undefined;
  private readonly singleConnection: boolean;
  private readonly inTransaction = new AsyncLocalStorage<true>();
  private readonly commitListeners = new Set<CommitListener>();

  constructor(
    private readonly db: Db,
    options: DrizzleStoreOptions,
  ) {
    this.clock = options.clock;
    this.onOutboxCommit = options.onOutboxCommit;
    this.singleConnection = (db as { $client?: unknown }).$client instanceof PGlite;
  }

  /** Subscribes to the audit rows of each committed transaction; returns the unsubscribe. */
  onCommit(listener: CommitListener): () => void {
    this.commitListeners.add(listener);
    return () => this.commitListeners.delete(listener);
  }

  /**
   * READ COMMITTED; a throw from `fn` rolls everything back and is rethrown, except a
   * CommitAndThrow, whose writes commit before its error is thrown. On PGlite (one connection) a
   * transaction opened inside another would wait for it forever, so it throws.
   */
  async transaction<T>(fn: (uow: UnitOfWork) => Promise<T>): Promise<T> {
    if (this.singleConnection && this.inTransaction.getStore()) {
      throw new Error('store.transaction() called inside another transaction: use the UnitOfWork already given (PGlite has one connection)');
    }
    let enqueued = false;
    let audited: readonly AuditEvent[] = [];
    let refusal: Error | null = null;
    const result = await this.db.transaction((tx) =>
      this.inTransaction.run(true, async () => {
        const uow = unitOfWork(tx, this.clock, () => {
          enqueued = true;
        });
        let out: T | undefined;
        try {
          out = await fn(uow);
        } catch (e) {
          // A refusal whose writes stay (a wrong MFA code counted): commit them, throw after.
          if (!(e instanceof CommitAndThrow)) throw e;
          refusal = e.error;
        }
        await uow.flush();
        audited = uow.auditWritten;
        // A change made for an acked request says so in its own commit (src/inbox-context.ts).
        const inbox = currentInbox();
        if (inbox && (audited.length > 0 || enqueued)) await markRan(tx, inbox.key, this.clock.now());
        return out as T;
      }),
    );
    if (audited.length > 0) {
      for (const listener of this.commitListeners) {
        try {
          listener(audited);
        } catch {
          // An observer must not turn a committed change into an error.
        }
      }
    }
    if (enqueued && this.onOutboxCommit) {
      try {
        this.onOutboxCommit();
      } catch {
        // The commit stands; a failed wake-up is covered by the dispatcher's NOTIFY and polling.
      }
    }
    if (refusal) throw refusal;
    return result;
  }
}

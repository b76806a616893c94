/**
 * The ports the core needs from the outside world. `src/db` implements the stores, the chat
 * adapters implement Messenger, `src/providers` implements GrantProvider. The core never
 * imports an implementation.
 */
import type { Notice } from './notices.js';
import type {
  Alert,
  AlertState,
  Assignment,
  AssignmentType,
  AuditEvent,
  AuditInput,
  AuditVerification,
  Platform,
  PimRequest,
  RequestState,
  Review,
  ReviewDecision,
  ReviewItem,
  ReviewState,
} from './types.js';

/** The only source of time in the core. */
export interface Clock {
  now(): Date;
}

/** Makes unique ids; request ids are short and typeable. */
export interface IdGenerator {
  requestId(): string;
  id(): string;
}

export interface AssignmentQuery {
  /** Only these assignments. */
  ids?: string[];
  principalId?: string;
  /** Any of these principals (a batch reads its holders' assignments at once). */
  principalIds?: string[];
  role?: string;
  scope?: string;
  type?: AssignmentType;
  /** Only assignments not ended and (if time-bound) not past their end at this instant. */
  currentAt?: Date;
}

/** The warnings a time-bound assignment gets before it ends (Entra PIM's schedule: 14 days and 1 day). */
export type AssignmentWarning = '14d' | '1d';

export interface AssignmentRepo {
  insert(a: Assignment): Promise<void>;
  get(id: string): Promise<Assignment | null>;
  find(q: AssignmentQuery): Promise<Assignment[]>;
  /** Ends an assignment if it has not ended yet (compare-and-set); returns it, or null if it had ended. */
  end(id: string, at: Date, reason: NonNullable<Assignment['endReason']>): Promise<Assignment | null>;
  /** Moves the end of a current assignment; returns the updated row or null if it had ended. */
  setEnd(id: string, endsAt: Date | null): Promise<Assignment | null>;
  /** Marks the warning as sent if not already; returns true only for the caller that set it. */
  markWarned(id: string, at: Date): Promise<boolean>;
  /** Current time-bound assignments whose end is at or before `at`, locked for this transaction (SKIP LOCKED). */
  claimEnded(at: Date, limit: number): Promise<Assignment[]>;
  /**
   * Ends up to `limit` time-bound assignments whose end is at or before `at` (ended at their own
   * end, reason `expired`), skipping rows other transactions hold; returns the ended rows.
   */
  expireDue(at: Date, limit: number): Promise<Assignment[]>;
  /**
   * Current active assignments ending within (at, at + horizonMs] not yet warned; only those of
   * the given roles and scopes when `only` is given.
   */
  dueForWarning(at: Date, horizonMs: number, limit: number, only?: { role: string; scope: string }[]): Promise<Assignment[]>;
  /** The earliest end, per role and scope, among open time-bound active assignments not yet warned. */
  nextWarningEnds(): Promise<{ role: string; scope: string; endsAt: Date }[]>;
  /**
   * Open time-bound assignments owed the `which` warning: eligible ones and active ones an admin
   * made (not activations), not given it yet, begun at least `leadMs` before their end, and
   * ending within (at, at + leadMs]. Earliest end first.
   */
  dueForAssignmentWarning(which: AssignmentWarning, leadMs: number, at: Date, limit: number): Promise<Assignment[]>;
  /** Records the `which` warning on those of `ids` not given it yet; returns the ids this call marked. */
  markAssignmentWarned(ids: string[], which: AssignmentWarning, at: Date): Promise<string[]>;
  /** The earliest end among open assignments still owed the `which` warning (as in dueForAssignmentWarning), if any. */
  nextAssignmentWarningEnd(which: AssignmentWarning, leadMs: number): Promise<Date | null>;
  /** The earliest end among current time-bound assignments, if any. */
  nextEnd(): Promise<Date | null>;
  /** Assignments created in [from, to), ended or not. */
  createdBetween(from: Date, to: Date): Promise<Assignment[]>;
  count(): Promise<number>;
}

export interface RequestQuery {
  /** Only these requests (a batch reads its requests at once). */
  ids?: string[];
  principalId?: string;
  states?: RequestState[];
  role?: string;
  limit?: number;
}

export interface RequestRepo {
  insert(r: PimRequest): Promise<void>;
  get(id: string): Promise<PimRequest | null>;
  find(q: RequestQuery): Promise<PimRequest[]>;
  /**
   * Compare-and-set: moves the request to `patch.state` only if it is in one of `from`.
   * Returns the updated request, or null when another transition got there first.
   */
  transition(id: string, from: RequestState[], patch: Partial<PimRequest> & { state: RequestState }): Promise<PimRequest | null>;
  /** `transition` for many requests at once; returns the ids of those that moved. */
  transitionMany(ids: string[], from: RequestState[], patch: { state: RequestState; updatedAt: Date }): Promise<string[]>;
  /** Pending requests past their approval deadline, locked for this transaction (SKIP LOCKED). */
  claimTimedOut(at: Date, limit: number): Promise<PimRequest[]>;
  /** Scheduled requests whose start has come, locked for this transaction (SKIP LOCKED). */
  claimDueScheduled(at: Date, limit: number): Promise<PimRequest[]>;
  /** Earliest approval deadline or scheduled start among open requests. */
  nextDeadline(): Promise<Date | null>;
}

export interface AuditRepo {
  /** Appends an event to the hash chain. */
  append(e: AuditInput): Promise<AuditEvent>;
  list(q: { actor?: string; subjectPrefix?: string; since?: Date; limit?: number; detailsMatch?: Record<string, string> }): Promise<AuditEvent[]>;
  /** How many events `list` would give for the same filter without a limit. */
  count(q: { actor?: string; subjectPrefix?: string; since?: Date; detailsMatch?: Record<string, string> }): Promise<number>;
  /**
   * Walks the whole chain from the genesis (or the retention checkpoint) and reports the first row
   * missing, altered or not linked to the one before. Optional: a store that cannot prove its
   * trail leaves it out, and `audit verify` says so.
   */
  verify?(): Promise<AuditVerification>;
}

export type OutboxPayload =
  | { type: 'message'; platform: Platform; to: Recipient; notice: Notice; subject?: string }
  | { type: 'update'; platform: Platform; subject: string; notice: Notice }
  | { type: 'grant'; target: GrantTarget }
  | { type: 'revoke'; target: GrantTarget };

export interface OutboxItem {
  id: number;
  dedupeKey: string;
  payload: OutboxPayload;
  attempts: number;
  createdAt: Date;
}

export interface OutboxRepo {
  /** Adds an item unless one with the same dedupe key exists. */
  enqueue(dedupeKey: string, payload: OutboxPayload, notBefore?: Date): Promise<void>;
}

export interface MfaRepo {
  /** The stored secret as written (the verifier keeps it encrypted) and the last step used. */
  getSecret(principalId: string): Promise<{ secret: string; lastStep: number } | null>;
  setSecret(principalId: string, secret: string, at: Date): Promise<void>;
  /** Records a used time step if it is newer than the last one; false when it was already used. */
  useStep(principalId: string, step: number): Promise<boolean>;
  /**
   * Holds the principal's MFA record for the rest of the transaction, so checks of one principal's
   * codes run one after another on every replica; null when the principal is not enrolled.
   */
  lockForCheck(principalId: string): Promise<{ lockedUntil: Date | null } | null>;
  /** Records a wrong code at `at`, forgetting this principal's failures older than `forgetBefore`. */
  recordFailure(principalId: string, at: Date, forgetBefore: Date): Promise<void>;
  /** Wrong codes recorded at or after `since`. */
  countFailures(principalId: string, since: Date): Promise<number>;
  /** Refuses every code of the principal until `until`. */
  lockUntil(principalId: string, until: Date): Promise<void>;
  /** Forgets the principal's wrong codes (a right code was given). */
  clearFailures(principalId: string): Promise<void>;
  /** Every stored secret, as written (start-up encrypts plaintext ones and re-encrypts under a new key). */
  allSecrets(): Promise<{ principalId: string; secret: string }[]>;
  /** Replaces a stored secret if it still is `from` (compare-and-set); true when it did. */
  replaceSecret(principalId: string, from: string, to: string): Promise<boolean>;
}

/** Stored security alerts (src/core/alerts). At most one open or dismissed alert per key. */
export interface AlertRepo {
  /** Inserts a new alert; false when an open or dismissed alert with its key exists already. */
  insert(a: Alert): Promise<boolean>;
  get(id: string): Promise<Alert | null>;
  /** The open or dismissed alert with this key, if any. */
  live(key: string): Promise<Alert | null>;
  /** Alerts in these states, oldest first. */
  find(states: AlertState[]): Promise<Alert[]>;
  /**
   * Compare-and-set: applies `patch` only while the alert is in one of `from`; returns the updated
   * alert, or null when it had moved on.
   */
  transition(id: string, from: AlertState[], patch: Partial<Alert> & { state: AlertState; updatedAt: Date }): Promise<Alert | null>;
  /** Updates what an open or dismissed alert shows (facts, measure, severity) as the scan finds it now. */
  refresh(id: string, patch: Pick<Alert, 'facts' | 'measure' | 'severity' | 'updatedAt'>): Promise<void>;
  count(states: AlertState[]): Promise<number>;
}

/** Stored access reviews and their items (src/core/reviews). */
export interface ReviewRepo {
  insert(r: Review, items: ReviewItem[]): Promise<void>;
  /**
   * A review by id; `forShare` holds it against a concurrent end until this transaction commits,
   * so a decision and the end of its review never interleave.
   */
  get(id: string, opts?: { forShare?: boolean }): Promise<Review | null>;
  /** Reviews in these states, oldest first. */
  find(states: ReviewState[]): Promise<Review[]>;
  /** Compare-and-set on the review's state; returns the updated review, or null when it had moved on. */
  transition(id: string, from: ReviewState[], patch: Partial<Pick<Review, 'endedAt' | 'endedBy' | 'appliedAt' | 'appliedBy'>> & { state: ReviewState }): Promise<Review | null>;
  /** Open reviews whose end is at or before `at`, locked for this transaction (SKIP LOCKED). */
  claimEnded(at: Date, limit: number): Promise<Review[]>;
  /** Whether a run of a recurring definition starting at `startsAt` exists. */
  hasRun(definition: string, startsAt: Date): Promise<boolean>;
  /** A review's items; with `reviewer`, only those that principal (exact id) reviews. */
  items(reviewId: string, reviewer?: string): Promise<ReviewItem[]>;
  /** Items of open reviews that name this principal (exact id) among their reviewers. */
  openItemsFor(principalId: string): Promise<ReviewItem[]>;
  getItem(id: string): Promise<ReviewItem | null>;
  /** Records (or changes) an item's decision. */
  decide(itemId: string, d: { decision: ReviewDecision; by: string; at: Date; reason: string | null }): Promise<ReviewItem | null>;
  /** Records what was applied to an item not applied yet; null when it had been. */
  markApplied(itemId: string, applied: ReviewDecision | null, at: Date): Promise<ReviewItem | null>;
  /** Marks a reminder as sent if it was not yet; true only for the caller that marked it. */
  markReminded(reviewId: string, which: 'halfway' | '1d', at: Date): Promise<boolean>;
}

/**
 * Thrown inside `Store.transaction` to refuse while keeping what the transaction wrote: the store
 * commits, then throws `error`. A wrong MFA code is counted this way, in the transaction that
 * checked it, so the count holds even though the action is refused.
 */
export class CommitAndThrow extends Error {
  constructor(readonly error: Error) {
    super(error.message);
    this.name = 'CommitAndThrow';
  }
}

/** Mutual exclusion between replicas for singleton jobs (the weekly digest, sweeps). */
export interface JobLock {
  /**
   * Takes the named lock for the rest of this transaction if no other transaction holds it.
   * Never waits: false means another replica is running the job right now.
   */
  tryLock(name: string): Promise<boolean>;
  /**
   * Takes the named lock for the rest of this transaction, waiting while another transaction
   * holds it (one-time steps at start: a second replica waits, then sees what the first did).
   */
  lock(name: string): Promise<void>;
}

/** Everything the core reads and writes within one transaction. */
export interface UnitOfWork {
  requests: RequestRepo;
  assignments: AssignmentRepo;
  audit: AuditRepo;
  outbox: OutboxRepo;
  mfa: MfaRepo;
  locks: JobLock;
  alerts: AlertRepo;
  reviews: ReviewRepo;
}

export interface Store {
  /**
   * Runs `fn` in one database transaction: all its writes commit together or not at all. A throw
   * rolls back, except a CommitAndThrow: its writes commit, then its `error` is thrown.
   */
  transaction<T>(fn: (uow: UnitOfWork) => Promise<T>): Promise<T>;
}

/** Where a chat message goes: a named channel from the config, or one person's DM. */
export type Recipient = { kind: 'channel'; channel: string } | { kind: 'user'; principalId: string };

/** A reference to a posted message, enough to update it later. */
export interface MessageRef {
  platform: Platform;
  conversation: string;
  messageId: string;
  /** Platform-specific extras (e.g. a Teams conversation reference). */
  extra?: Record<string, unknown>;
}

/**
 * Thrown by a Messenger or GrantProvider for a failure worth retrying, optionally after a delay.
 * `permanent`: the same call will fail again, give up now. `rateLimited`: the platform asked the
 * bot to wait (HTTP 429, or 503 with Retry-After); waiting is not a failed attempt, so it never
 * counts toward the dispatcher's attempt limit.
 */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
    readonly permanent = false,
    readonly rateLimited = false,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }

  /** The platform asked to wait `retryAfterMs` before the next call. */
  static rateLimited(message: string, retryAfterMs?: number): DeliveryError {
    return new DeliveryError(message, retryAfterMs, false, true);
  }
}

/** One chat platform's way of delivering notices. */
export interface Messenger {
  readonly platform: Platform;
  /** True when the recipient has an address on this platform (a channel id, a bound user). */
  canReach(to: Recipient): boolean;
  /** Posts a notice; returns where it landed so it can be updated. Throws DeliveryError to retry. */
  send(to: Recipient, notice: Notice): Promise<MessageRef>;
  /** Replaces an earlier message with a new rendering. Throws DeliveryError to retry. */
  update(ref: MessageRef, notice: Notice): Promise<void>;
}

/** Where a grant really happens. Both calls are idempotent by assignment id. */
export interface GrantProvider {
  readonly name: string;
  /** `inline`: the database is the source of truth and granting cannot fail (record). */
  readonly inline: boolean;
  grant(a: GrantTarget): Promise<void>;
  revoke(a: GrantTarget): Promise<void>;
  /**
   * Who the target system holds the role at the scope for right now, for reconciliation; null
   * when the provider keeps nothing to compare (record, webhook). Throws DeliveryError to retry.
   */
  list(at: { role: string; scope: string }): Promise<HeldGrant[] | null>;
}

/** One holder of a role as the target system reports it. */
export interface HeldGrant {
  /** The directory principal this identity belongs to; null for an identity the directory does not know. */
  principalId: string | null;
  /** The identity as the target names it (a database login, an Entra object id). */
  identity: string;
}

export interface GrantTarget {
  assignmentId: string;
  principalId: string;
  role: string;
  scope: string;
  endsAt: Date | null;
  requestId: string | null;
}

/**
 * What one MFA code is: right (and now used), wrong, right but used already, or not checkable (no
 * secret enrolled; a secret this bot cannot decrypt).
 */
export type MfaVerdict = 'ok' | 'invalid' | 'reused' | 'not_enrolled' | 'unreadable';

/** Verifies one-time codes for MFA (activation, extension, approval) and enrols authenticators. */
export interface MfaVerifier {
  /** Checks a code for a principal inside a transaction; a code is accepted once. */
  verify(uow: UnitOfWork, principalId: string, code: string, at: Date): Promise<MfaVerdict>;
  /** Absent on a verifier that cannot enrol (then `Pim.enrollMfa` refuses). */
  isEnrolled?(uow: UnitOfWork, principalId: string): Promise<boolean>;
  /** Gives the principal a new secret (replacing any) and the `otpauth://` URI that holds it. */
  enroll?(uow: UnitOfWork, principalId: string, at: Date): Promise<{ secret: string; uri: string }>;
}

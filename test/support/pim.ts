/**
 * A real `Pim` for core integration tests: the DrizzleStore on the per-file test database
 * (PGlite, or PostgreSQL when TEST_DATABASE_URL is set), a ManualClock, a small config parsed
 * from YAML the way production parses pim.config.yaml, TotpVerifier for MFA, and the record
 * provider (inline) unless an external one is asked for.
 *
 *   let fx: PimFixture;
 *   beforeAll(async () => { fx = new PimFixture(await testDatabase()); });
 *   afterAll(() => fx?.close());
 *   beforeEach(() => fx.reset());           // empty tables, clock at START, bootstrap applied
 */
import { asc } from 'drizzle-orm';
import { expect } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { type Actor, type Assignment, type AssignmentType, type AuditEvent, type ErrorCode, isPimError, type Notice, type OutboxPayload, type Pim, type PimError, type PimRequest, type Recipient } from '../../src/core/index.js';
import { parsePimConfig, type PimConfig } from '../../src/config/pim-config.js';
import { buildCore } from '../../src/core-factory.js';
import { auditEvents } from '../../src/db/audit.sql.js';
import { assignments } from '../../src/db/assignments.sql.js';
import { outbox } from '../../src/db/outbox.sql.js';
import { toAssignment } from '../../src/db/repos/assignments.js';
import { toAuditEvent } from '../../src/db/repos/audit.js';
import type { DrizzleStore } from '../../src/db/store.js';
import { totpAt } from '../../src/mfa/totp.js';
import type { TotpVerifier } from '../../src/mfa/verifier.js';
import { RecordProvider } from '../../src/providers/record.js';
import { truncateAll, type TestDatabase } from './db.js';
import { testKeyRing } from './keys.js';

export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;

/** Where the clock stands at the start of every test (a Monday morning). */
export const START = new Date('2030-01-07T09:00:00.000Z');

export const USERS = {
  alice: 'alice@example.com',
  bob: 'bob@example.com',
  carol: 'carol@example.com',
  erin: 'erin@example.com',
  dave: 'dave@example.com',
} as const;
export type UserName = keyof typeof USERS;

export const OWNER_SCOPE = '/subscriptions/prod';
export const PROD = '/subscriptions/prod';
export const DEV = '/subscriptions/dev';

/** Extra users `user01@example.com`.. for load tests, each eligible for Reader. */
export const extraUser = (i: number): string => `user${String(i).padStart(2, '0')}@example.com`;

/**
 * The test config. alice is eligible for Owner, Contributor (both scopes), Reader (90 days) and
 * MfaRole; bob for Contributor at dev and Reader (ending in 10 days: renewable); carol (an
 * approver of Owner through sre-leads) for Owner. erin is the PIM admin and also in sre-leads;
 * dave is the auditor, eligible for nothing.
 */
export function pimConfigYaml(extraUsers = 0): string {
  const extra = Array.from({ length: extraUsers }, (_, k) => extraUser(k + 1));
  return `
directory:
  users:
    - { id: alice@example.com, name: Alice, slack: U0ALICE, teams: 00000000-0000-4000-8000-00000000a11c }
    - { id: bob@example.com, name: Bob, slack: U0BOB }
    - { id: carol@example.com, name: Carol, slack: U0CAROL, teams: 00000000-0000-4000-8000-0000000ca501 }
    - { id: erin@example.com, name: Erin, slack: U0ERIN }
    - { id: dave@example.com, name: Dave, slack: U0DAVE }
${extra.map((id) => `    - { id: ${id} }`).join('\n')}
  groups:
    - { id: sre-leads, members: [carol@example.com, erin@example.com] }

admins: [erin@example.com]
auditors: [dave@example.com]

channels:
  approvals: { slack: C0APPROVALS }
  security: { slack: C0SECURITY }

roles:
  - name: Owner
    scopes: [${OWNER_SCOPE}]
    policy:
      maxActivation: 1h
      requireJustification: true
      requireTicket: true
      ticketPattern: "^INC-[0-9]+$"
      approval: { required: true, approvers: [group:sre-leads], timeout: 24h }
      notify: { activated: [security] }

  - name: Contributor
    scopes: [${PROD}, ${DEV}]
    policy:
      maxActivation: 8h
      approval: { required: false }
      notify: { activated: [security] }

  - name: Reader
    scopes: [/]
    policy:
      requireJustification: false

  - name: MfaRole
    scopes: [/]
    policy:
      maxActivation: 1h
      requireJustification: false
      requireMfa: true

bootstrap:
  assignments:
    - { principal: alice@example.com, role: Owner, type: eligible }
    - { principal: alice@example.com, role: Contributor, type: eligible }
    - { principal: alice@example.com, role: Reader, type: eligible, for: 90d }
    - { principal: alice@example.com, role: MfaRole, type: eligible }
    - { principal: bob@example.com, role: Contributor, scope: ${DEV}, type: eligible }
    - { principal: bob@example.com, role: Reader, type: eligible, for: 10d }
    - { principal: carol@example.com, role: Owner, type: eligible }
${extra.map((id) => `    - { principal: ${id}, role: Reader, type: eligible }`).join('\n')}
`;
}

export interface PimFixtureOptions {
  /** false: an external provider (grants wait for completeGrant / failGrant). Default true (record). */
  inline?: boolean;
  /** How many `userNN@example.com` to add, each eligible for Reader (default 0). */
  extraUsers?: number;
  /** The clock (default a ManualClock at START); a subclass may let time run. */
  clock?: ManualClock;
  /** Changes the test config's YAML before it is parsed (e.g. a policy key or an `mfa:` section). */
  yaml?: (yaml: string) => string;
}

export interface BootstrapItem {
  principal: string;
  role: string;
  scope?: string;
  type: AssignmentType;
  endsAt: Date | null;
}

/** One outbox row as the tests look at it. */
export interface OutboxRow {
  id: number;
  dedupeKey: string;
  payload: OutboxPayload;
}

export class PimFixture {
  readonly clock: ManualClock;
  readonly config: PimConfig;
  readonly store: DrizzleStore;
  readonly mfa: TotpVerifier;
  readonly pim: Pim;

  constructor(
    readonly database: TestDatabase,
    options: PimFixtureOptions = {},
  ) {
    this.clock = options.clock ?? new ManualClock(START);
    const yaml = pimConfigYaml(options.extraUsers ?? 0);
    this.config = parsePimConfig(options.yaml ? options.yaml(yaml) : yaml, 'test.pim.config.yaml', { env: {} });
    // An external provider only as far as the core sees it: grants wait for completeGrant / failGrant.
    const external = { name: 'webhook', inline: false, grant: async () => {}, revoke: async () => {}, list: async () => null };
    const core = buildCore({
      config: this.config,
      database,
      clock: this.clock,
      platforms: () => ['slack'],
      keys: testKeyRing(),
      provider: options.inline === false ? external : new RecordProvider(),
    });
    this.store = core.store;
    this.mfa = core.mfa;
    this.pim = core.pim;
  }

  get db() {
    return this.database.db;
  }

  close(): Promise<void> {
    return this.database.close();
  }

  /** The config's bootstrap assignments, with `for:` counted from the clock's time. */
  configBootstrap(): BootstrapItem[] {
    const now = this.clock.now().getTime();
    return this.config.bootstrap.assignments.map((b) => ({
      principal: b.principal,
      role: b.role,
      scope: b.scope,
      type: b.type,
      endsAt: b.until ?? (b.forMs !== null ? new Date(now + b.forMs) : null),
    }));
  }

  /**
   * Empties every table, puts the clock back at START and, unless told not to, applies the
   * config's bootstrap assignments (or the given ones).
   */
  async reset(bootstrap: BootstrapItem[] | false = this.configBootstrapAt(START)): Promise<void> {
    await truncateAll(this.database.db);
    this.clock.set(START);
    if (bootstrap !== false) await this.pim.bootstrap(bootstrap);
  }

  private configBootstrapAt(at: Date): BootstrapItem[] {
    const saved = this.clock.now();
    this.clock.set(at);
    try {
      return this.configBootstrap();
    } finally {
      this.clock.set(saved);
    }
  }

  /** The actor for a user of the test directory (by short name or id), on Slack. */
  actor(user: UserName | string): Actor {
    const id = user in USERS ? USERS[user as UserName] : user;
    return this.pim.actorFor(id, 'slack');
  }

  /** Enrols a user's authenticator (TotpVerifier.enroll in a store transaction); returns the secret. */
  async enrolMfa(user: UserName | string): Promise<string> {
    const id = this.actor(user).principal.id;
    const { secret } = await this.store.transaction((uow) => this.mfa.enroll(uow, id, this.clock.now()));
    return secret;
  }

  /** The authenticator's code for a secret at the clock's time. */
  code(secret: string): string {
    return totpAt(secret, this.clock.now());
  }

  async request(id: string): Promise<PimRequest> {
    const r = await this.pim.getRequest(id);
    if (!r) throw new Error(`no request ${id}`);
    return r;
  }

  async assignment(id: string): Promise<Assignment> {
    const a = await this.store.transaction((uow) => uow.assignments.get(id));
    if (!a) throw new Error(`no assignment ${id}`);
    return a;
  }

  /** Every assignment row, ended or not, oldest first. */
  async assignments(filter: Partial<Pick<Assignment, 'principalId' | 'role' | 'type'>> = {}): Promise<Assignment[]> {
    const rows = await this.database.db.select().from(assignments).orderBy(asc(assignments.createdAt), asc(assignments.id));
    return rows.map(toAssignment).filter((a) => Object.entries(filter).every(([k, v]) => a[k as keyof Assignment] === v));
  }

  /** Active assignments that have not ended. */
  async activeAssignments(principalId?: string): Promise<Assignment[]> {
    return (await this.assignments({ type: 'active', ...(principalId ? { principalId } : {}) })).filter((a) => a.endedAt === null);
  }

  /** Every outbox row, in insertion order. */
  async outbox(): Promise<OutboxRow[]> {
    const rows = await this.database.db.select().from(outbox).orderBy(asc(outbox.id));
    return rows.map((r) => ({ id: r.id, dedupeKey: r.dedupeKey, payload: r.payload }));
  }

  /** Outbox `message` rows, optionally only those to one recipient and of one notice kind. */
  async messages(filter: { to?: Recipient; kind?: Notice['kind'] } = {}): Promise<Array<{ dedupeKey: string; to: Recipient; notice: Notice }>> {
    const out: Array<{ dedupeKey: string; to: Recipient; notice: Notice }> = [];
    for (const row of await this.outbox()) {
      const p = row.payload;
      if (p.type !== 'message') continue;
      if (filter.kind && p.notice.kind !== filter.kind) continue;
      if (filter.to && JSON.stringify(p.to) !== JSON.stringify(filter.to)) continue;
      out.push({ dedupeKey: row.dedupeKey, to: p.to, notice: p.notice });
    }
    return out;
  }

  /** The audit trail, oldest first. */
  async audit(filter: { action?: string; subject?: string } = {}): Promise<AuditEvent[]> {
    const rows = await this.database.db.select().from(auditEvents).orderBy(asc(auditEvents.seq));
    return rows
      .map(toAuditEvent)
      .filter((e) => (filter.action === undefined || e.action === filter.action) && (filter.subject === undefined || e.subject === filter.subject));
  }

  /** The audit actions, oldest first (handy for asserting a flow's trail). */
  async auditActions(): Promise<string[]> {
    return (await this.audit()).map((e) => e.action);
  }
}

/** A DM to a user. */
export const dm = (user: UserName | string): Recipient => ({ kind: 'user', principalId: user in USERS ? USERS[user as UserName] : user });
/** A named channel. */
export const channel = (name: string): Recipient => ({ kind: 'channel', channel: name });

/** Awaits a promise that must reject with a PimError of `code`; returns the error. */
export async function expectPimError(promise: Promise<unknown>, code: ErrorCode): Promise<PimError> {
  let caught: unknown;
  try {
    await promise;
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected a PimError ${code}`).toBeDefined();
  if (!isPimError(caught)) throw caught;
  expect(caught.code).toBe(code);
  return caught;
}

/**
 * Reconciliation: compares what each target system holds (GrantProvider.list) with PIM's active
 * assignments, role by role and scope by scope.
 *
 * - held by the target, no PIM grant ever made it: `outside_pim`, reported (the "assigned outside
 *   PIM" alert consumes these findings; the job itself takes nothing away it did not give);
 * - a current PIM grant the target lost: `missing`, granted again (or only reported, `reconcile.missing: alert`);
 * - held after the PIM grant ended: `outlived`, revoked again.
 *
 * Grants and revokes go out through the outbox like any other, retried and deduplicated. One
 * replica runs it at a time (a PostgreSQL advisory lock in the job's transaction). Assignments
 * that began or ended within `graceMs` are left alone: their grant or revoke may still be queued.
 */
import type { GrantProvider, GrantTarget, HeldGrant, Store, UnitOfWork } from '../core/index.js';
import type { Assignment } from '../core/index.js';
import type { DispatcherLogger } from './dispatcher.js';
import type { ScheduledJob } from './schedules.js';

/** The audit action of each finding: what the alerts feature reads. */
export const RECONCILE_FINDING_ACTION = 'reconcile.finding';
export const RECONCILE_LOCK = 'reconcile';

export type FindingKind = 'outside_pim' | 'missing' | 'outlived';

/** One difference between a target system and PIM. */
export interface ReconcileFinding {
  kind: FindingKind;
  role: string;
  scope: string;
  /** The holder as the target names it; null for a missing grant (the target names nobody). */
  identity: string | null;
  /** The directory principal, when the identity is one of the directory's. */
  principalId: string | null;
  /** The PIM assignment concerned (missing, outlived); null for a grant made outside PIM. */
  assignmentId: string | null;
  /** What the job did about it. */
  action: 'reported' | 'reapplied' | 'revoked';
}

export interface ReconcileResult {
  outcome: 'ran' | 'locked';
  /** Role-and-scope pairs whose target was listed. */
  checked: number;
  findings: ReconcileFinding[];
  /** Pairs the target could not be listed for this time (retried on the next run). */
  errors: { role: string; scope: string; error: string }[];
}

export interface ReconcileOptions {
  store: Store;
  provider: GrantProvider;
  clock: { now(): Date };
  /** The role-and-scope pairs of the config. */
  routes: () => { role: string; scope: string }[];
  /** A grant PIM made that the target lost: grant it again, or only report it. */
  missing: 'reapply' | 'alert';
  graceMs: number;
  logger: DispatcherLogger;
  /**
   * Called after the run's transaction commits, once per finding (the alerts feature's hook; the
   * finding is also in the audit trail as `reconcile.finding`).
   */
  onFinding?: (f: ReconcileFinding) => void | Promise<void>;
  /** Called after each run, and waited for (metrics, the assigned-outside-PIM alerts). */
  onRun?: (r: ReconcileResult) => void | Promise<void>;
}

const targetOf = (a: Assignment): GrantTarget => ({
  assignmentId: a.id,
  principalId: a.principalId,
  role: a.role,
  scope: a.scope,
  endsAt: a.endsAt,
  requestId: null,
});

const same = (x: string, y: string): boolean => x.toLowerCase() === y.toLowerCase();

export class Reconciler {
  constructor(private readonly o: ReconcileOptions) {}

  /** One pass over every role and scope; `locked` when another replica is running it. */
  async run(): Promise<ReconcileResult> {
    const now = this.o.clock.now();
    const result = await this.o.store.transaction(async (uow): Promise<ReconcileResult> => {
      if (!(await uow.locks.tryLock(RECONCILE_LOCK))) return { outcome: 'locked', checked: 0, findings: [], errors: [] };
      const out: ReconcileResult = { outcome: 'ran', checked: 0, findings: [], errors: [] };
      const pending = await uow.requests.find({ states: ['approved'] });
      for (const at of this.o.routes()) {
        let held: HeldGrant[] | null;
        try {
          held = await this.o.provider.list(at);
        } catch (err) {
          out.errors.push({ ...at, error: err instanceof Error ? err.message : String(err) });
          continue;
        }
        if (held === null) continue;
        out.checked++;
        const granting = pending.filter((r) => r.assignmentId && same(r.role, at.role) && same(r.scope, at.scope)).map((r) => r.principalId.toLowerCase());
        out.findings.push(...(await this.compare(uow, at, held, granting, now)));
      }
      for (const f of out.findings) {
        await uow.audit.append({ at: now, actor: 'system', action: RECONCILE_FINDING_ACTION, subject: f.assignmentId ? `assignment:${f.assignmentId}` : `role:${f.role}:${f.scope}`, details: { ...f } });
      }
      return out;
    });
    for (const e of result.errors) this.o.logger.warn({ ...e }, 'reconcile: could not list the target; retried on the next run');
    for (const f of result.findings) {
      this.o.logger.warn({ ...f }, `reconcile: ${f.kind} ${f.role} at ${f.scope} (${f.identity ?? f.principalId}); ${f.action}`);
      try {
        await this.o.onFinding?.(f);
      } catch (err) {
        this.o.logger.error({ err, finding: f }, 'reconcile: a finding hook failed');
      }
    }
    try {
      await this.o.onRun?.(result);
    } catch (err) {
      this.o.logger.error({ err }, 'reconcile: the after-run hook failed');
    }
    return result;
  }

  private async compare(uow: UnitOfWork, at: { role: string; scope: string }, held: HeldGrant[], granting: string[], now: Date): Promise<ReconcileFinding[]> {
    const findings: ReconcileFinding[] = [];
    const settled = now.getTime() - this.o.graceMs;
    const current = (await uow.assignments.find({ role: at.role, scope: at.scope, type: 'active', currentAt: now })).filter((a) => same(a.role, at.role) && same(a.scope, at.scope));
    const holders = new Set(held.map((h) => h.principalId?.toLowerCase()).filter((p): p is string => Boolean(p)));

    for (const a of current) {
      // Begun within the grace (its grant may be queued) or ending within it (a target that ends
      // grants itself, like Entra, may be a moment ahead): not a lost grant.
      const ending = a.endsAt !== null && a.endsAt.getTime() - now.getTime() < this.o.graceMs;
      if (holders.has(a.principalId.toLowerCase()) || a.createdAt.getTime() > settled || ending || a.principalId.startsWith('group:')) continue;
      const reapply = this.o.missing === 'reapply';
      if (reapply) await uow.outbox.enqueue(`reconcile:grant:${a.id}:${now.toISOString()}`, { type: 'grant', target: targetOf(a) });
      findings.push({ kind: 'missing', ...at, identity: null, principalId: a.principalId, assignmentId: a.id, action: reapply ? 'reapplied' : 'reported' });
    }

    for (const h of held) {
      const principal = h.principalId?.toLowerCase();
      if (principal && (current.some((a) => a.principalId.toLowerCase() === principal) || granting.includes(principal))) continue;
      const past = principal
        ? (await uow.assignments.find({ principalId: h.principalId as string, role: at.role, scope: at.scope, type: 'active' })).filter((a) => same(a.scope, at.scope))
        : [];
      const endOf = (a: Assignment): number => (a.endedAt ?? a.endsAt ?? now).getTime();
      const last = past.sort((x, y) => endOf(y) - endOf(x))[0];
      if (!last) {
        findings.push({ kind: 'outside_pim', ...at, identity: h.identity, principalId: h.principalId, assignmentId: null, action: 'reported' });
        continue;
      }
      if (endOf(last) > settled) continue; // its revoke may still be on its way
      await uow.outbox.enqueue(`reconcile:revoke:${last.id}:${now.toISOString()}`, { type: 'revoke', target: targetOf(last) });
      findings.push({ kind: 'outlived', ...at, identity: h.identity, principalId: h.principalId, assignmentId: last.id, action: 'revoked' });
    }
    return findings;
  }
}

/** The reconciliation as a scheduled job. */
export function reconcileJob(reconciler: Reconciler, cron: string): ScheduledJob {
  return {
    name: 'reconcile',
    cron,
    async run() {
      const r = await reconciler.run();
      return { outcome: r.outcome, checked: r.checked, findings: r.findings.length, errors: r.errors.length };
    },
  };
}

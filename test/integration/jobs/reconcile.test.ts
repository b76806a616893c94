/**
 * The reconciliation job against the real core and database, with a target system held in memory:
 * what the target holds against PIM's active assignments, and what each difference leads to.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { GrantProvider, HeldGrant } from '../../../src/core/ports.js';
import { Reconciler, RECONCILE_FINDING_ACTION, type ReconcileFinding, type ReconcileOptions } from '../../../src/jobs/reconcile.js';
import { onPostgres, testDatabase } from '../../support/db.js';
import { HOUR, MIN, PimFixture, PROD } from '../../support/pim.js';

const ALICE = 'alice@example.com';
const AT = { role: 'Contributor', scope: PROD };

/** A target that holds what tests put in it; `gate` holds `list` back until it resolves. */
class MemoryTarget implements GrantProvider {
  readonly name = 'memory';
  readonly inline = false;
  held = new Map<string, HeldGrant[]>();
  gate: Promise<void> | null = null;
  async grant() {}
  async revoke() {}
  async list(at: { role: string; scope: string }) {
    if (this.gate) await this.gate;
    if (at.role !== AT.role || at.scope !== AT.scope) return null;
    return this.held.get(`${at.role} ${at.scope}`) ?? [];
  }
  hold(...grants: HeldGrant[]) {
    this.held.set(`${AT.role} ${AT.scope}`, grants);
  }
}

let fx: PimFixture;
let target: MemoryTarget;
let found: ReconcileFinding[];
beforeAll(async () => {
  fx = new PimFixture(await testDatabase(), { inline: false });
});
afterAll(() => fx?.close());
beforeEach(async () => {
  await fx.reset();
  target = new MemoryTarget();
  found = [];
});

const reconciler = (over: Partial<ReconcileOptions> = {}) =>
  new Reconciler({
    store: fx.store,
    provider: target,
    clock: fx.clock,
    routes: () => [AT, { role: 'Reader', scope: '/' }],
    missing: 'reapply',
    graceMs: 2 * MIN,
    logger: { info() {}, warn() {}, error() {} },
    onFinding: (f) => {
      found.push(f);
    },
    ...over,
  });

/** An activation of Contributor at PROD for alice, granted (confirmed by the provider). */
async function activation(): Promise<string> {
  const res = await fx.pim.activate(fx.actor('alice'), { role: 'Contributor', scope: PROD, durationMs: HOUR, reason: 'deploy' });
  await fx.pim.completeGrant(res.request.id);
  return res.request.assignmentId as string;
}

const outboxKeys = async (prefix: string) => (await fx.outbox()).filter((r) => r.dedupeKey.startsWith(prefix));

describe('reconciliation', () => {
  it('finds nothing when the target holds exactly what PIM granted', async () => {
    await activation();
    target.hold({ principalId: ALICE, identity: 'alice' });
    fx.clock.advance(5 * MIN);
    const r = await reconciler().run();
    expect(r).toMatchObject({ outcome: 'ran', checked: 1, findings: [], errors: [] });
  });

  it('reports a grant made directly on the target, to the hook and in the audit trail, and takes nothing away', async () => {
    target.hold({ principalId: null, identity: 'mallory' }, { principalId: 'bob@example.com', identity: 'bob' });
    const r = await reconciler().run();
    expect(r.findings.map((f) => [f.kind, f.identity, f.action])).toEqual([
      ['outside_pim', 'mallory', 'reported'],
      ['outside_pim', 'bob', 'reported'],
    ]);
    expect(found).toEqual(r.findings);
    const audit = await fx.audit({ action: RECONCILE_FINDING_ACTION });
    expect(audit.map((e) => [e.subject, e.details.identity])).toEqual([
      [`role:Contributor:${PROD}`, 'mallory'],
      [`role:Contributor:${PROD}`, 'bob'],
    ]);
    expect(await outboxKeys('reconcile:')).toEqual([]);
  });

  it('raises an "assigned outside PIM" alert per grant, once, and resolves it when the grant is gone from the target', async () => {
    // As src/app.ts wires it: after each run, the outside grants become alerts.
    const sync = reconciler({
      onRun: async (r) => {
        if (r.outcome !== 'ran') return;
        await fx.pim.syncOutsidePim({
          held: r.findings.filter((f) => f.kind === 'outside_pim').map((f) => ({ role: f.role, scope: f.scope, identity: f.identity ?? '?', principalId: f.principalId })),
          unlisted: r.errors.map((e) => ({ role: e.role, scope: e.scope })),
        });
      },
    });
    const outside = async () => (await fx.store.transaction((u) => u.alerts.find(['open', 'dismissed', 'resolved']))).filter((a) => a.rule === 'outside_pim');
    target.hold({ principalId: null, identity: 'mallory' }, { principalId: 'bob@example.com', identity: 'bob' });
    await sync.run();
    await sync.run();
    const raised = await outside();
    expect(raised.map((a) => [a.state, a.severity, a.subject.identity, a.subject.principalId ?? null]).sort()).toEqual([
      ['open', 'high', 'bob', 'bob@example.com'],
      ['open', 'high', 'mallory', null],
    ]);
    expect((await fx.messages({ kind: 'security_alert' })).map((m) => m.to)).toEqual([
      { kind: 'channel', channel: 'security' },
      { kind: 'channel', channel: 'security' },
    ]);
    // The target cannot be listed: nothing is known, nothing resolves.
    const failing = target.list.bind(target);
    target.list = async () => {
      throw new Error('target down');
    };
    await sync.run();
    expect((await outside()).every((a) => a.state === 'open')).toBe(true);
    target.list = failing;
    // mallory's grant was removed on the target.
    target.hold({ principalId: 'bob@example.com', identity: 'bob' });
    await sync.run();
    expect((await outside()).map((a) => [a.subject.identity, a.state]).sort()).toEqual([
      ['bob', 'open'],
      ['mallory', 'resolved'],
    ]);
  });

  it('grants again what PIM granted and the target lost', async () => {
    const id = await activation();
    fx.clock.advance(5 * MIN);
    const r = await reconciler().run();
    expect(r.findings).toEqual([{ kind: 'missing', ...AT, identity: null, principalId: ALICE, assignmentId: id, action: 'reapplied' }]);
    const rows = await outboxKeys('reconcile:grant:');
    expect(rows.map((x) => x.payload)).toEqual([{ type: 'grant', target: expect.objectContaining({ assignmentId: id, principalId: ALICE, ...AT, requestId: null }) }]);
  });

  it('only reports a lost grant with missing: alert', async () => {
    await activation();
    fx.clock.advance(5 * MIN);
    const r = await reconciler({ missing: 'alert' }).run();
    expect(r.findings.map((f) => [f.kind, f.action])).toEqual([['missing', 'reported']]);
    expect(await outboxKeys('reconcile:')).toEqual([]);
  });

  it('leaves a grant in its last moments alone: a target that ends grants itself may be a moment ahead', async () => {
    await activation();
    fx.clock.advance(HOUR - MIN);
    expect((await reconciler().run()).findings).toEqual([]);
  });

  it('revokes again a grant that outlived its end', async () => {
    const id = await activation();
    fx.clock.advance(HOUR + MIN);
    await fx.pim.processDeadlines();
    target.hold({ principalId: ALICE, identity: 'alice' });
    expect((await reconciler().run()).findings).toEqual([]); // within the grace: the revoke may be on its way
    fx.clock.advance(5 * MIN);
    const r = await reconciler().run();
    expect(r.findings).toEqual([{ kind: 'outlived', ...AT, identity: 'alice', principalId: ALICE, assignmentId: id, action: 'revoked' }]);
    expect((await outboxKeys('reconcile:revoke:')).map((x) => x.payload)).toEqual([{ type: 'revoke', target: expect.objectContaining({ assignmentId: id }) }]);
  });

  it('leaves a grant under way alone (the request is approved, the provider not done yet)', async () => {
    await fx.pim.activate(fx.actor('alice'), { role: 'Contributor', scope: PROD, durationMs: HOUR, reason: 'deploy' });
    target.hold({ principalId: ALICE, identity: 'alice' });
    fx.clock.advance(5 * MIN);
    expect((await reconciler().run()).findings).toEqual([]);
  });

  it('a target that cannot be listed is an error of the run, not a finding', async () => {
    target.list = async () => {
      throw new Error('target down');
    };
    const r = await reconciler().run();
    expect(r).toMatchObject({ outcome: 'ran', checked: 0, findings: [], errors: [{ ...AT, error: 'target down' }, { role: 'Reader', scope: '/', error: 'target down' }] });
  });

  it.runIf(onPostgres)('runs on one replica at a time', async () => {
    let open!: () => void;
    target.gate = new Promise<void>((resolve) => (open = resolve));
    target.hold({ principalId: null, identity: 'mallory' });
    const first = reconciler().run();
    await new Promise((r) => setTimeout(r, 200));
    const second = await reconciler().run();
    open();
    expect(second.outcome).toBe('locked');
    expect((await first).findings).toHaveLength(1);
  });
});

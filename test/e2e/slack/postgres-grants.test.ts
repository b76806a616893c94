/**
 * Real grants through the real bot: Slack on the front, the postgres provider behind, against a
 * scratch database and roles on the test server (TEST_DATABASE_URL). An activation lets the
 * login SET ROLE; its end takes that away, and ends a session that already had (terminateSessions).
 */
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OffsetClock } from '../../../src/clock.js';
import { rowsOf } from '../../../src/db/rows.js';
import { noteSkippedWithoutPostgres, onPostgres } from '../../support/db.js';
import { eventually, textOf, type SlackUser } from '../../support/fake-slack.js';
import { createPgTarget, type PgTarget } from '../../support/pg-target.js';
import { dmsTo, slackSuite } from './harness.js';

noteSkippedWithoutPostgres('e2e grants through the postgres provider');

const HOUR = 60 * 60_000;
const URL_ENV = 'PIM_E2E_GRANTS_URL';
const DOWN_ENV = 'PIM_E2E_GRANTS_DOWN_URL';
const alice: SlackUser = { id: 'U0ALICE', name: 'alice' };
const bob: SlackUser = { id: 'U0BOB', name: 'bob' };

describe.runIf(onPostgres)('activation -> expiry through the postgres provider', () => {
  let target: PgTarget;
  const clock = new OffsetClock();
  let suite: ReturnType<typeof slackSuite>;

  beforeAll(async () => {
    target = await createPgTarget(process.env.TEST_DATABASE_URL as string, ['alice', 'bob']);
    process.env[URL_ENV] = target.botUrl;
    // Nothing listens on port 1: every attempt fails as a network error, retried.
    process.env[DOWN_ENV] = 'postgres://pimbot@127.0.0.1:1/app';
    const [aliceLogin, bobLogin] = target.logins;
    suite = slackSuite({
      workThread: 'off',
      clock,
      config: `
directory:
  users:
    - { id: alice@example.com, name: Alice, slack: U0ALICE, postgres: ${aliceLogin} }
    - { id: bob@example.com, name: Bob, slack: U0BOB, postgres: ${bobLogin} }
slack: { teamIds: [T0PIM] }
channels:
  approvals: { slack: C0APPROVALS }
providers:
  pg: { type: postgres, urlEnv: ${URL_ENV}, terminateSessions: true }
  down: { type: postgres, urlEnv: ${DOWN_ENV}, timeout: 1s }
roles:
  - name: DbAdmin
    provider: pg
    target: ${target.role}
    policy: { requireJustification: false, maxActivation: 2h }
  - name: Broken
    provider: pg
    target: ${target.role}_missing
    policy: { requireJustification: false }
  - name: Unreachable
    provider: down
    target: ${target.role}
    policy: { requireJustification: false }
bootstrap:
  assignments:
    - { principal: alice@example.com, role: DbAdmin, type: eligible }
    - { principal: bob@example.com, role: Unreachable, type: eligible }
    - { principal: bob@example.com, role: Broken, type: eligible }
`,
    });
    await suite.setup();
  });
  afterAll(async () => {
    await suite?.teardown();
    await target?.drop();
    delete process.env[URL_ENV];
    delete process.env[DOWN_ENV];
  });
  beforeEach(() => suite.start());
  afterEach(() => suite.stop());

  const canSetRole = async (login: string): Promise<boolean> => {
    const sql = target.connectAs(login);
    try {
      await sql.begin((tx) => tx.unsafe(`set local role "${target.role}"`));
      return true;
    } catch (err) {
      if ((err as { code?: string }).code === '42501') return false;
      throw err;
    } finally {
      await sql.end({ timeout: 1 });
    }
  };

  it('the login can SET ROLE during the activation and cannot after it; a session that had is ended', async () => {
    const { slack, fake, settled, app } = suite.get();
    const login = target.logins[0] as string;
    expect(await canSetRole(login)).toBe(false);

    await fake.waitForResponse((await slack.command(alice, 'activate DbAdmin 1h')).responseId);
    await settled();
    expect(textOf(dmsTo(fake, alice).at(-1)?.args.blocks ?? [])).toMatch(/Your \*DbAdmin\* at `\/` is active/);
    expect(await canSetRole(login)).toBe(true);
    expect(await app.provider.list({ role: 'DbAdmin', scope: '/' })).toEqual([{ identity: login, principalId: 'alice@example.com' }]);

    // A session that took the role while it was granted.
    const held = target.connectAs(login);
    await held.unsafe(`set role "${target.role}"`);
    expect((await held`select v from secrets`)[0]?.v).toBe('the crown jewels');

    clock.advance(HOUR + 1000);
    await app.pim.processDeadlines();
    await settled();
    expect(await canSetRole(login)).toBe(false);
    await expect(held`select v from secrets`).rejects.toThrow();
  });

  it('a grant the target refuses fails the request with the reason, told to the requester, and nothing stays granted', async () => {
    const { slack, fake, settled } = suite.get();
    await fake.waitForResponse((await slack.command(bob, 'activate Broken 1h')).responseId);
    await settled();
    const dm = await eventually(() => dmsTo(fake, bob).find((c) => /does not exist/.test(textOf(c.args.blocks))), 'the failure DM to bob');
    expect(textOf(dm.args.blocks)).toContain(`role "${target.role}_missing" does not exist`);
    const rows = rowsOf(await suite.get().app.database.db.execute(sql`select state, failure_reason from requests where principal_id = 'bob@example.com'`));
    expect(rows).toEqual([{ state: 'failed', failure_reason: expect.stringContaining('does not exist (42704)') }]);
    const members = await target.admin`select 1 from pg_auth_members am join pg_roles m on m.oid = am.member where m.rolname = ${target.logins[1] as string}`;
    expect(members).toHaveLength(0);
  });

  it('reconciliation: a direct grant is found, a lost PIM grant re-applied, an outlived one revoked, all counted', async () => {
    const { slack, fake, settled, app } = suite.get();
    const [aliceLogin, bobLogin] = target.logins as [string, string];
    const findings = async () => (await app.reconciler.run()).findings.map((f) => [f.kind, f.identity, f.action]);

    // Made on the target, not through PIM: found and left to the alerts.
    await target.admin.unsafe(`grant "${target.role}" to "${bobLogin}"`);
    expect(await findings()).toEqual([['outside_pim', bobLogin, 'reported']]);
    await target.admin.unsafe(`revoke "${target.role}" from "${bobLogin}"`);

    // A PIM grant someone took away on the target: granted again.
    await fake.waitForResponse((await slack.command(alice, 'activate DbAdmin 1h')).responseId);
    await settled();
    await target.admin.unsafe(`revoke "${target.role}" from "${aliceLogin}"`);
    expect(await canSetRole(aliceLogin)).toBe(false);
    clock.advance(3 * 60_000);
    expect(await findings()).toEqual([['missing', null, 'reapplied']]);
    await settled();
    expect(await canSetRole(aliceLogin)).toBe(true);

    // Granted again on the target after the activation ended: revoked again.
    clock.advance(HOUR);
    await app.pim.processDeadlines();
    await settled();
    expect(await canSetRole(aliceLogin)).toBe(false);
    await target.admin.unsafe(`grant "${target.role}" to "${aliceLogin}"`);
    clock.advance(3 * 60_000);
    expect(await findings()).toEqual([['outlived', aliceLogin, 'revoked']]);
    await settled();
    expect(await canSetRole(aliceLogin)).toBe(false);

    const counted = await app.metrics.registry.getSingleMetricAsString('pimbot_reconcile_findings_total');
    expect(counted).toContain('pimbot_reconcile_findings_total{kind="outside_pim",action="reported"} 1');
    expect(counted).toContain('pimbot_reconcile_findings_total{kind="missing",action="reapplied"} 1');
    expect(counted).toContain('pimbot_reconcile_findings_total{kind="outlived",action="revoked"} 1');
  });

  it('a target that cannot be reached: the grant is retried, then given up on with the reason, and never reported active', async () => {
    const { slack, fake, app } = suite.get();
    await fake.waitForResponse((await slack.command(bob, 'activate Unreachable 1h')).responseId);
    const state = async () => rowsOf<{ state: string; failure_reason: string | null }>(await app.database.db.execute(sql`select state, failure_reason from requests where principal_id = 'bob@example.com'`))[0];
    const attempts = async () => rowsOf<{ attempts: number }>(await app.database.db.execute(sql`select attempts from outbox where dedupe_key like 'grant:%'`))[0]?.attempts ?? 0;
    await eventually(async () => (await attempts()) >= 2, 'the grant to be retried');
    expect((await state())?.state).toBe('approved');

    // delivery.giveUpAfter (8h by default) later, the next failure is the last.
    clock.advance(8 * HOUR + 60_000);
    app.dispatcher.wake();
    const failed = await eventually(async () => ((await state())?.state === 'failed' ? await state() : undefined), 'the request to fail');
    expect(failed?.failure_reason).toMatch(/127\.0\.0\.1:1 failed/);
    const dm = await eventually(() => dmsTo(fake, bob).find((c) => /127\.0\.0\.1:1/.test(textOf(c.args.blocks))), 'the failure DM');
    expect(textOf(dm.args.blocks)).not.toMatch(/activated/);
    const members = await target.admin`select 1 from pg_auth_members am join pg_roles m on m.oid = am.member where m.rolname = ${target.logins[1] as string}`;
    expect(members).toHaveLength(0);
  });
});

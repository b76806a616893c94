/**
 * The postgres provider against a real PostgreSQL server (TEST_DATABASE_URL): a scratch database
 * and roles of its own, dropped afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeliveryError } from '../../../src/core/ports.js';
import { PostgresProvider, type RoutedGrant } from '../../../src/providers/index.js';
import { noteSkippedWithoutPostgres, onPostgres } from '../../support/db.js';
import { createPgTarget, type PgTarget } from '../../support/pg-target.js';

noteSkippedWithoutPostgres('postgres provider against a real server');

describe.runIf(onPostgres)('PostgresProvider on a real server', () => {
  let target: PgTarget;
  let provider: PostgresProvider;
  let alice: string;
  const grant = (over: Partial<RoutedGrant> = {}): RoutedGrant => ({
    assignmentId: 'a1',
    principalId: 'alice@example.com',
    role: 'DbAdmin',
    scope: '/',
    endsAt: null,
    requestId: null,
    target: target.role,
    identity: alice,
    ...over,
  });
  const members = async (role: string) =>
    (await target.admin`select m.rolname from pg_auth_members am join pg_roles r on r.oid = am.roleid join pg_roles m on m.oid = am.member where r.rolname = ${role}`).map((r) => r.rolname as string);

  beforeAll(async () => {
    target = await createPgTarget(process.env.TEST_DATABASE_URL as string, ['alice', 'bob']);
    alice = target.logins[0] as string;
    provider = new PostgresProvider({ url: target.botUrl, terminateSessions: true });
  });
  afterAll(async () => {
    await provider?.close();
    await target?.drop();
  });

  it('grants and revokes, each twice without error, and lists from pg_auth_members', async () => {
    await provider.grant(grant());
    await provider.grant(grant());
    expect(await members(target.role)).toEqual([alice]);
    expect(await provider.list(target.role)).toEqual([alice]);
    await provider.revoke(grant());
    await provider.revoke(grant());
    expect(await members(target.role)).toEqual([]);
    expect(await provider.list(target.role)).toEqual([]);
  });

  it('quotes names: a role whose name is SQL grants that role, and nothing else runs', async () => {
    const odd = `${target.role}"; drop role "${alice}"; --`;
    await target.admin.unsafe(`create role "${odd.replaceAll('"', '""')}" nologin`);
    try {
      await provider.grant(grant({ target: odd }));
      expect(await members(odd)).toEqual([alice]);
      expect((await target.admin`select 1 from pg_roles where rolname = ${alice}`).length).toBe(1);
      await provider.revoke(grant({ target: odd }));
    } finally {
      await target.admin.unsafe(`drop role "${odd.replaceAll('"', '""')}"`);
    }
  });

  it('a role that does not exist fails for good, with the reason', async () => {
    const err = (await provider.grant(grant({ target: `${target.role}_missing` })).catch((e: unknown) => e)) as DeliveryError;
    expect(err).toBeInstanceOf(DeliveryError);
    expect(err.permanent).toBe(true);
    expect(err.message).toMatch(/does not exist \(42704\)/);
  });

  it('a revoke ends the sessions of a login that had SET ROLE; a new session cannot SET ROLE', async () => {
    await provider.grant(grant());
    const held = target.connectAs(alice);
    await held.unsafe(`set role "${target.role}"`);
    expect((await held`select v from secrets`)[0]?.v).toBe('the crown jewels');

    await provider.revoke(grant());
    await expect(held`select v from secrets`).rejects.toThrow();
    const fresh = target.connectAs(alice);
    await expect(fresh.unsafe(`set role "${target.role}"`)).rejects.toMatchObject({ code: '42501' });
  });
});

import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AuditInput, AuditRepo } from '../../../src/core/index.js';
import { auditHash, canonicalJson, GENESIS_HASH } from '../../../src/db/audit-hash.js';
import { verifyAuditChain } from '../../../src/db/audit-verify.js';
import { DrizzleStore } from '../../../src/db/store.js';
import { noteSkippedWithoutPostgres, onPostgres, testDatabase, truncateAll, type TestDatabase } from '../../support/db.js';
import { at, HOUR, ManualClock, MIN } from '../../support/db-fixtures.js';

let database: TestDatabase;
let store: DrizzleStore;

beforeAll(async () => {
  database = await testDatabase({ maxConnections: 25 });
  store = new DrizzleStore(database.db, { clock: new ManualClock() });
});
afterAll(() => database?.close());
beforeEach(() => truncateAll(database.db));

let n = 0;
const event = (over: Partial<AuditInput> = {}): AuditInput => ({
  at: at(++n * 1000),
  actor: 'alice@example.com',
  action: 'request.created',
  subject: `request:R-${n}`,
  details: { role: 'Owner', n },
  ...over,
});
const appendAll = async (count: number, make: (i: number) => AuditInput = () => event()) => {
  for (let i = 0; i < count; i++) await store.transaction((u) => u.audit.append(make(i)));
};

describe('audit hash', () => {
  it('canonical JSON sorts keys recursively and ignores undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: undefined } })).toBe('{"a":{"d":[{"y":2,"z":1}]},"b":1}');
  });

  it('hashes the same content the same whatever the key order', () => {
    const base = { seq: 1, at: at(0), actor: 'a', action: 'x', subject: 's', prevHash: GENESIS_HASH };
    expect(auditHash({ ...base, details: { a: 1, b: { c: 2, d: 3 } } })).toBe(auditHash({ ...base, details: { b: { d: 3, c: 2 }, a: 1 } }));
    expect(auditHash({ ...base, details: { a: 1 } })).toMatch(/^[0-9a-f]{64}$/);
    expect(auditHash({ ...base, details: { a: 1 } })).not.toBe(auditHash({ ...base, details: { a: 2 } }));
  });
});

describe('audit repository', () => {
  it('appends a chain: sequence from 1, each row linked to the previous hash', async () => {
    const first = await store.transaction((u) => u.audit.append(event()));
    const second = await store.transaction((u) => u.audit.append(event()));
    expect(first).toMatchObject({ seq: 1, prevHash: GENESIS_HASH });
    expect(first.hash).toBe(auditHash({ ...first }));
    expect(second).toMatchObject({ seq: 2, prevHash: first.hash });
    const stored = await store.transaction((u) => u.audit.list({}));
    expect(stored).toEqual([second, first]);
  });

  it('stores details as JSON gives them back (Dates as ISO strings, undefined dropped) and still verifies', async () => {
    const e = await store.transaction((u) =>
      u.audit.append(event({ details: { when: at(5 * MIN), gone: undefined, nested: { b: [1, 'x', null], a: true }, n: 1.5 } })),
    );
    expect(e.details).toEqual({ when: at(5 * MIN).toISOString(), nested: { a: true, b: [1, 'x', null] }, n: 1.5 });
    expect((await store.transaction((u) => u.audit.list({})))[0]).toEqual(e);
    expect(await verifyAuditChain(database.db)).toEqual({ ok: true, count: 1 });
  });

  it('several appends in one transaction, even unawaited in parallel, form one chain', async () => {
    await store.transaction(async (u) => {
      await u.audit.append(event());
      await Promise.all([u.audit.append(event()), u.audit.append(event()), u.audit.append(event())]);
    });
    await store.transaction((u) => u.audit.append(event()));
    expect((await store.transaction((u) => u.audit.list({}))).map((e) => e.seq)).toEqual([5, 4, 3, 2, 1]);
    expect(await verifyAuditChain(database.db)).toEqual({ ok: true, count: 5 });
  });

  it('a rolled-back append leaves no row and no gap', async () => {
    await expect(
      store.transaction(async (u) => {
        await u.audit.append(event());
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await store.transaction((u) => u.audit.list({}))).toEqual([]);
    expect((await store.transaction((u) => u.audit.append(event()))).seq).toBe(1);
  });

  it('lists newest first, filtered by actor, subject prefix, time, details, with a limit', async () => {
    await appendAll(1, () => event({ actor: 'bob@example.com', subject: 'request:R-AAA', at: at(HOUR), details: { principal: 'bob@example.com', role: 'Owner' } }));
    await appendAll(1, () => event({ subject: 'assignment:A-1', at: at(2 * HOUR), details: { principal: 'alice@example.com', role: 'Reader' } }));
    await appendAll(1, () => event({ subject: 'request:R-BBB', at: at(3 * HOUR), details: { principal: 'alice@example.com', role: 'Owner', n: 5 } }));
    await appendAll(1, () => event({ subject: 'request_x', at: at(4 * HOUR), details: {} }));
    const seqs = async (q: Parameters<AuditRepo['list']>[0]) =>
      (await store.transaction((u) => u.audit.list(q))).map((e) => e.seq);
    expect(await seqs({})).toEqual([4, 3, 2, 1]);
    expect(await seqs({ actor: 'bob@example.com' })).toEqual([1]);
    expect(await seqs({ subjectPrefix: 'request:' })).toEqual([3, 1]);
    expect(await seqs({ subjectPrefix: 'request_' })).toEqual([4]); // `_` is literal, not a wildcard
    expect(await seqs({ since: at(2 * HOUR) })).toEqual([4, 3, 2]);
    expect(await seqs({ limit: 2 })).toEqual([4, 3]);
    expect(await seqs({ detailsMatch: { principal: 'alice@example.com' } })).toEqual([3, 2]);
    expect(await seqs({ detailsMatch: { principal: 'alice@example.com', role: 'Owner' } })).toEqual([3]);
    expect(await seqs({ detailsMatch: { n: '5' } })).toEqual([3]);
  });
});

describe('verifyAuditChain', () => {
  it('accepts an empty trail and a whole chain across several pages', async () => {
    expect(await verifyAuditChain(database.db)).toEqual({ ok: true, count: 0 });
    await appendAll(25);
    expect(await verifyAuditChain(database.db, 10)).toEqual({ ok: true, count: 25 });
    expect(await verifyAuditChain(database.db, 25)).toEqual({ ok: true, count: 25 });
    expect(await verifyAuditChain(database.db)).toEqual({ ok: true, count: 25 });
  });

  it('finds a row altered directly with SQL', async () => {
    await appendAll(12);
    await database.db.execute(sql`update audit_events set details = '{"role":"Reader"}'::jsonb where seq = 7`);
    expect(await verifyAuditChain(database.db, 5)).toEqual({ ok: false, seq: 7, problem: 'altered' });
  });

  it('finds an altered actor or time, not just details', async () => {
    await appendAll(3);
    await database.db.execute(sql`update audit_events set at = at + interval '1 second' where seq = 2`);
    expect(await verifyAuditChain(database.db)).toEqual({ ok: false, seq: 2, problem: 'altered' });
  });

  it('finds a deleted row, including the first and one on a page boundary', async () => {
    await appendAll(12);
    await database.db.execute(sql`delete from audit_events where seq = 6`);
    expect(await verifyAuditChain(database.db, 5)).toEqual({ ok: false, seq: 6, problem: 'missing' });
    await database.db.execute(sql`delete from audit_events where seq = 1`);
    expect(await verifyAuditChain(database.db, 5)).toEqual({ ok: false, seq: 1, problem: 'missing' });
  });

  it('finds a row rewritten with a recomputed hash by the broken link that follows it', async () => {
    const events = [];
    for (let i = 0; i < 5; i++) events.push(await store.transaction((u) => u.audit.append(event())));
    const victim = events[2]!;
    const forged = { ...victim, actor: 'mallory@example.com' };
    const forgedHash = auditHash(forged);
    await database.db.execute(sql`update audit_events set actor = ${forged.actor}, hash = ${forgedHash} where seq = ${victim.seq}`);
    expect(await verifyAuditChain(database.db)).toEqual({ ok: false, seq: 4, problem: 'broken_link' });
  });

  it('reports the first problem when there are several', async () => {
    await appendAll(10);
    await database.db.execute(sql`delete from audit_events where seq = 8`);
    await database.db.execute(sql`update audit_events set action = 'x' where seq = 4`);
    expect(await verifyAuditChain(database.db, 3)).toEqual({ ok: false, seq: 4, problem: 'altered' });
  });
});

noteSkippedWithoutPostgres('20 concurrent audit appenders');

describe.runIf(onPostgres)('audit on real PostgreSQL under concurrency', () => {
  it('20 concurrent transactions appending get consecutive sequence numbers and a valid chain', async () => {
    await Promise.all(
      Array.from({ length: 20 }, () =>
        store.transaction(async (u) => {
          await u.audit.append(event());
          await u.audit.append(event());
        }),
      ),
    );
    const all = await store.transaction((u) => u.audit.list({}));
    expect(all.map((e) => e.seq)).toEqual(Array.from({ length: 40 }, (_, i) => 40 - i));
    expect(await verifyAuditChain(database.db)).toEqual({ ok: true, count: 40 });
  });
});

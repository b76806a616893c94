import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DrizzleStore } from '../../../src/db/store.js';
import * as schema from '../../../src/db/schema.js';
import { onPostgres, testDatabase, truncateAll, type TestDatabase } from '../../support/db.js';
import { at, makeAssignment, makeRequest, ManualClock, MIN } from '../../support/db-fixtures.js';

let database: TestDatabase;
let store: DrizzleStore;

beforeAll(async () => {
  database = await testDatabase();
  store = new DrizzleStore(database.db, { clock: new ManualClock() });
});
afterAll(() => database?.close());
beforeEach(() => truncateAll(database.db));

const counts = async () => {
  const db = database.db;
  return {
    requests: (await db.select().from(schema.requests)).length,
    assignments: (await db.select().from(schema.assignments)).length,
    audit: (await db.select().from(schema.auditEvents)).length,
    outbox: (await db.select().from(schema.outbox)).length,
    mfa: (await db.select().from(schema.mfaSecrets)).length,
  };
};

describe('DrizzleStore.transaction', () => {
  const writeEverything = async (u: Parameters<Parameters<DrizzleStore['transaction']>[0]>[0]) => {
    const r = makeRequest();
    await u.requests.insert(r);
    await u.requests.transition(r.id, ['pending_approval'], { state: 'approved' });
    await u.assignments.insert(makeAssignment({ requestId: r.id }));
    await u.audit.append({ at: at(0), actor: 'alice@example.com', action: 'request.created', subject: `request:${r.id}`, details: {} });
    await u.outbox.enqueue(`msg:${r.id}`, { type: 'message', platform: 'slack', to: { kind: 'user', principalId: 'alice@example.com' }, notice: { kind: 'text', text: 'hi' } });
    await u.mfa.setSecret('alice@example.com', 'SECRET', at(0));
    return r.id;
  };

  it('commits every repository write together and returns the result', async () => {
    const id = await store.transaction(writeEverything);
    expect(id).toMatch(/^R-/);
    expect(await counts()).toEqual({ requests: 1, assignments: 1, audit: 1, outbox: 1, mfa: 1 });
  });

  it('a throw rolls back every write and rethrows', async () => {
    const failure = new Error('half way');
    await expect(
      store.transaction(async (u) => {
        await writeEverything(u);
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await counts()).toEqual({ requests: 0, assignments: 0, audit: 0, outbox: 0, mfa: 0 });
  });

  it('repositories can be queried in parallel inside one transaction', async () => {
    await store.transaction((u) => u.assignments.insert(makeAssignment({ endsAt: at(MIN) })));
    const [end, deadline, n] = await store.transaction((u) => Promise.all([u.assignments.nextEnd(), u.requests.nextDeadline(), u.assignments.count()]));
    expect([end, deadline, n]).toEqual([at(MIN), null, 1]);
  });

  it.runIf(!onPostgres)('on PGlite, a transaction opened inside another throws instead of waiting forever', async () => {
    await expect(store.transaction(() => store.transaction(async () => 1))).rejects.toThrow(/inside another transaction/);
    // Sequential transactions after one that ended are fine.
    await expect(store.transaction(async () => 1).then(() => store.transaction(async () => 2))).resolves.toBe(2);
  });

  it('a failing statement rolls back the writes before it', async () => {
    const r = makeRequest();
    await expect(
      store.transaction(async (u) => {
        await u.requests.insert(r);
        await u.assignments.insert(makeAssignment());
        await u.requests.insert(r); // duplicate primary key
      }),
    ).rejects.toThrow();
    expect(await counts()).toMatchObject({ requests: 0, assignments: 0 });
  });
});

describe('mfa repository', () => {
  it('stores a secret and reads it back with last step 0', async () => {
    expect(await store.transaction((u) => u.mfa.getSecret('alice@example.com'))).toBeNull();
    await store.transaction((u) => u.mfa.setSecret('alice@example.com', 'S1', at(0)));
    expect(await store.transaction((u) => u.mfa.getSecret('alice@example.com'))).toEqual({ secret: 'S1', lastStep: 0 });
  });

  it('useStep accepts each newer step once and refuses the same or an older step', async () => {
    await store.transaction((u) => u.mfa.setSecret('alice@example.com', 'S1', at(0)));
    const step = 63_000_000_123;
    expect(await store.transaction((u) => u.mfa.useStep('alice@example.com', step))).toBe(true);
    expect(await store.transaction((u) => u.mfa.useStep('alice@example.com', step))).toBe(false);
    expect(await store.transaction((u) => u.mfa.useStep('alice@example.com', step - 1))).toBe(false);
    expect(await store.transaction((u) => u.mfa.useStep('alice@example.com', step + 1))).toBe(true);
    expect(await store.transaction((u) => u.mfa.getSecret('alice@example.com'))).toEqual({ secret: 'S1', lastStep: step + 1 });
  });

  it('useStep is false for a principal not enrolled', async () => {
    expect(await store.transaction((u) => u.mfa.useStep('nobody@example.com', 1))).toBe(false);
  });

  it('re-enrolling replaces the secret and keeps the last used step', async () => {
    await store.transaction(async (u) => {
      await u.mfa.setSecret('alice@example.com', 'S1', at(0));
      await u.mfa.useStep('alice@example.com', 500);
    });
    await store.transaction((u) => u.mfa.setSecret('alice@example.com', 'S2', at(MIN)));
    expect(await store.transaction((u) => u.mfa.getSecret('alice@example.com'))).toEqual({ secret: 'S2', lastStep: 500 });
  });

  it('concurrent uses of the same step: exactly one succeeds', async () => {
    await store.transaction((u) => u.mfa.setSecret('alice@example.com', 'S1', at(0)));
    const results = await Promise.all(Array.from({ length: 8 }, () => store.transaction((u) => u.mfa.useStep('alice@example.com', 42))));
    expect(results.filter(Boolean)).toHaveLength(1);
  });
});

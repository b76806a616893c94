import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PimRequest } from '../../../src/core/index.js';
import { DrizzleStore } from '../../../src/db/store.js';
import { noteSkippedWithoutPostgres, onPostgres, testDatabase, truncateAll, type TestDatabase } from '../../support/db.js';
import { at, HOUR, makeRequest, ManualClock, MIN, T0 } from '../../support/db-fixtures.js';

let database: TestDatabase;
let store: DrizzleStore;
const clock = new ManualClock();

beforeAll(async () => {
  database = await testDatabase({ maxConnections: 25 });
  store = new DrizzleStore(database.db, { clock });
});
afterAll(() => database?.close());
beforeEach(async () => {
  clock.set(T0);
  await truncateAll(database.db);
});

const insert = (...rs: PimRequest[]) =>
  store.transaction(async (u) => {
    for (const r of rs) await u.requests.insert(r);
  });

describe('requests repository', () => {
  it('inserts and reads back every field', async () => {
    const r = makeRequest({
      kind: 'assign',
      startAt: at(5 * MIN),
      decidedBy: 'carol@example.com',
      decidedAt: at(MIN),
      decisionReason: 'ok',
      assignmentId: 'A-x',
      targetAssignmentId: 'A-y',
      assignmentType: 'eligible',
      failureReason: 'nope',
      durationMs: 90 * 24 * HOUR,
    });
    await insert(r);
    expect(await store.transaction((u) => u.requests.get(r.id))).toEqual(r);
  });

  it('returns null for an unknown id', async () => {
    expect(await store.transaction((u) => u.requests.get('R-missing'))).toBeNull();
  });

  it('finds by principal, role and states, newest first, with a limit', async () => {
    const a = makeRequest({ createdAt: at(1) });
    const b = makeRequest({ createdAt: at(2), state: 'active' });
    const c = makeRequest({ createdAt: at(3), principalId: 'bob@example.com' });
    const d = makeRequest({ createdAt: at(4), role: 'Reader' });
    await insert(a, b, c, d);
    const ids = (rs: PimRequest[]) => rs.map((r) => r.id);
    await store.transaction(async (u) => {
      expect(ids(await u.requests.find({}))).toEqual([d.id, c.id, b.id, a.id]);
      expect(ids(await u.requests.find({ principalId: 'alice@example.com' }))).toEqual([d.id, b.id, a.id]);
      expect(ids(await u.requests.find({ role: 'Owner', principalId: 'alice@example.com' }))).toEqual([b.id, a.id]);
      expect(ids(await u.requests.find({ states: ['active'] }))).toEqual([b.id]);
      expect(ids(await u.requests.find({ states: [] }))).toEqual([]);
      expect(ids(await u.requests.find({ limit: 2 }))).toEqual([d.id, c.id]);
    });
  });

  it('transition applies the patch only from an allowed state (compare-and-set)', async () => {
    const r = makeRequest();
    await insert(r);
    const approved = await store.transaction((u) =>
      u.requests.transition(r.id, ['pending_approval'], {
        state: 'approved',
        decidedBy: 'carol@example.com',
        decidedAt: at(MIN),
        decisionReason: null,
        updatedAt: at(MIN),
      }),
    );
    expect(approved).toMatchObject({ id: r.id, state: 'approved', decidedBy: 'carol@example.com', updatedAt: at(MIN) });
    expect(approved?.reason).toBe(r.reason);
    const second = await store.transaction((u) =>
      u.requests.transition(r.id, ['pending_approval'], { state: 'denied', decidedBy: 'dave@example.com' }),
    );
    expect(second).toBeNull();
    expect(await store.transaction((u) => u.requests.get(r.id))).toMatchObject({ state: 'approved', decidedBy: 'carol@example.com' });
  });

  it('transition stamps updatedAt from the clock when the patch has none, and never changes the id', async () => {
    const r = makeRequest();
    await insert(r);
    clock.set(at(7 * MIN));
    const out = await store.transaction((u) => u.requests.transition(r.id, ['pending_approval'], { state: 'canceled', id: 'other' }));
    expect(out).toMatchObject({ id: r.id, state: 'canceled', updatedAt: at(7 * MIN) });
  });

  it('transition returns null for an unknown id or an empty from-list', async () => {
    const r = makeRequest();
    await insert(r);
    await store.transaction(async (u) => {
      expect(await u.requests.transition('R-missing', ['pending_approval'], { state: 'approved' })).toBeNull();
      expect(await u.requests.transition(r.id, [], { state: 'approved' })).toBeNull();
    });
  });

  it('claimTimedOut returns pending requests past their deadline, earliest first, up to the limit', async () => {
    const late = makeRequest({ approvalDeadline: at(2 * MIN) });
    const early = makeRequest({ approvalDeadline: at(MIN) });
    const future = makeRequest({ approvalDeadline: at(HOUR) });
    const decided = makeRequest({ approvalDeadline: at(MIN), state: 'approved' });
    await insert(late, early, future, decided);
    await store.transaction(async (u) => {
      expect((await u.requests.claimTimedOut(at(2 * MIN), 10)).map((r) => r.id)).toEqual([early.id, late.id]);
      expect((await u.requests.claimTimedOut(at(2 * MIN), 1)).map((r) => r.id)).toEqual([early.id]);
    });
  });

  it('claimDueScheduled returns scheduled requests whose start has come', async () => {
    const due = makeRequest({ state: 'scheduled', startAt: at(MIN) });
    const notYet = makeRequest({ state: 'scheduled', startAt: at(HOUR) });
    const pending = makeRequest({ startAt: at(MIN) });
    await insert(due, notYet, pending);
    const got = await store.transaction((u) => u.requests.claimDueScheduled(at(MIN), 10));
    expect(got.map((r) => r.id)).toEqual([due.id]);
  });

  it('nextDeadline is the earliest approval deadline or scheduled start among open requests', async () => {
    expect(await store.transaction((u) => u.requests.nextDeadline())).toBeNull();
    await insert(
      makeRequest({ approvalDeadline: at(3 * HOUR) }),
      makeRequest({ state: 'denied', approvalDeadline: at(MIN) }),
      makeRequest({ state: 'scheduled', startAt: at(2 * HOUR), approvalDeadline: null }),
    );
    expect(await store.transaction((u) => u.requests.nextDeadline())).toEqual(at(2 * HOUR));
    await insert(makeRequest({ approvalDeadline: at(HOUR) }));
    expect(await store.transaction((u) => u.requests.nextDeadline())).toEqual(at(HOUR));
  });

  it('rejects a state outside the domain', async () => {
    await expect(insert(makeRequest({ state: 'bogus' as PimRequest['state'] }))).rejects.toThrow();
  });
});

noteSkippedWithoutPostgres('20 concurrent CAS transitions and SKIP LOCKED claims across open transactions');

describe.runIf(onPostgres)('requests on real PostgreSQL under concurrency', () => {
  it('20 concurrent transitions from the same state produce exactly one winner', async () => {
    const r = makeRequest();
    await insert(r);
    const callers = 20;
    let arrived = 0;
    let release!: () => void;
    const allRead = new Promise<void>((resolve) => (release = resolve));
    const results = await Promise.all(
      Array.from({ length: callers }, (_, i) =>
        store.transaction(async (u) => {
          // Everyone reads "pending" before anyone writes: only the CAS can pick the winner.
          expect((await u.requests.get(r.id))?.state).toBe('pending_approval');
          if (++arrived === callers) release();
          await allRead;
          return u.requests.transition(r.id, ['pending_approval'], {
            state: i % 2 ? 'approved' : 'denied',
            decidedBy: `approver-${i}@example.com`,
          });
        }),
      ),
    );
    const winners = results.filter((x) => x !== null);
    expect(winners).toHaveLength(1);
    const stored = await store.transaction((u) => u.requests.get(r.id));
    expect(stored).toMatchObject({ state: winners[0]!.state, decidedBy: winners[0]!.decidedBy });
  });

  it('claimTimedOut in two open transactions never returns the same request twice (SKIP LOCKED)', async () => {
    const rs = Array.from({ length: 10 }, (_, i) => makeRequest({ approvalDeadline: at(i) }));
    await insert(...rs);
    let release!: () => void;
    const hold = new Promise<void>((resolve) => (release = resolve));
    let firstClaimed!: (ids: string[]) => void;
    const first = new Promise<string[]>((resolve) => (firstClaimed = resolve));
    const a = store.transaction(async (u) => {
      const got = await u.requests.claimTimedOut(at(HOUR), 4);
      firstClaimed(got.map((r) => r.id));
      await hold; // keep the row locks while the second transaction claims
      return got.map((r) => r.id);
    });
    await first;
    const b = await store.transaction(async (u) => (await u.requests.claimTimedOut(at(HOUR), 100)).map((r) => r.id));
    release();
    const aIds = await a;
    expect(aIds).toHaveLength(4);
    expect(b).toHaveLength(6);
    expect(new Set([...aIds, ...b]).size).toBe(10);
  });
});

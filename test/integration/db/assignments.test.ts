import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Assignment } from '../../../src/core/index.js';
import { DrizzleStore } from '../../../src/db/store.js';
import { noteSkippedWithoutPostgres, onPostgres, testDatabase, truncateAll, type TestDatabase } from '../../support/db.js';
import { at, HOUR, makeAssignment, ManualClock, MIN, T0 } from '../../support/db-fixtures.js';

let database: TestDatabase;
let store: DrizzleStore;

beforeAll(async () => {
  database = await testDatabase();
  store = new DrizzleStore(database.db, { clock: new ManualClock() });
});
afterAll(() => database?.close());
beforeEach(() => truncateAll(database.db));

const insert = (...as: Assignment[]) =>
  store.transaction(async (u) => {
    for (const a of as) await u.assignments.insert(a);
  });
const ids = (as: Assignment[]) => as.map((a) => a.id);

describe('assignments repository', () => {
  it('inserts and reads back every field', async () => {
    const a = makeAssignment({ requestId: 'R-1', warnedAt: at(MIN), endedAt: at(2 * MIN), endReason: 'deactivated' });
    await insert(a);
    expect(await store.transaction((u) => u.assignments.get(a.id))).toEqual(a);
    expect(await store.transaction((u) => u.assignments.get('A-missing'))).toBeNull();
  });

  it('finds by principal, role, scope and type', async () => {
    const a = makeAssignment({ type: 'eligible', endsAt: null });
    const b = makeAssignment({ startsAt: at(1) });
    const c = makeAssignment({ principalId: 'bob@example.com', startsAt: at(2) });
    const d = makeAssignment({ scope: '/', role: 'Global Administrator', startsAt: at(3) });
    await insert(a, b, c, d);
    await store.transaction(async (u) => {
      expect(ids(await u.assignments.find({}))).toEqual([a.id, b.id, c.id, d.id]);
      expect(ids(await u.assignments.find({ principalId: 'alice@example.com', role: 'Owner' }))).toEqual([a.id, b.id]);
      expect(ids(await u.assignments.find({ type: 'eligible' }))).toEqual([a.id]);
      expect(ids(await u.assignments.find({ scope: '/' }))).toEqual([d.id]);
    });
  });

  it('find with currentAt: started, not ended, and not past a time-bound end', async () => {
    const permanent = makeAssignment({ endsAt: null });
    const running = makeAssignment({ endsAt: at(HOUR) });
    const endsNow = makeAssignment({ endsAt: at(30 * MIN) });
    const ended = makeAssignment({ endsAt: at(HOUR), endedAt: at(MIN), endReason: 'deactivated' });
    const future = makeAssignment({ startsAt: at(HOUR), endsAt: at(2 * HOUR) });
    await insert(permanent, running, endsNow, ended, future);
    const current = await store.transaction((u) => u.assignments.find({ currentAt: at(30 * MIN) }));
    expect(ids(current).sort()).toEqual([permanent.id, running.id].sort());
  });

  it('end is compare-and-set: only the first call ends the assignment', async () => {
    const a = makeAssignment();
    await insert(a);
    const first = await store.transaction((u) => u.assignments.end(a.id, at(10 * MIN), 'deactivated'));
    expect(first).toMatchObject({ id: a.id, endedAt: at(10 * MIN), endReason: 'deactivated' });
    const second = await store.transaction((u) => u.assignments.end(a.id, at(20 * MIN), 'expired'));
    expect(second).toBeNull();
    expect(await store.transaction((u) => u.assignments.get(a.id))).toMatchObject({ endedAt: at(10 * MIN), endReason: 'deactivated' });
  });

  it('setEnd moves the end of a current assignment, clears the warning, and refuses an ended one', async () => {
    const a = makeAssignment({ warnedAt: at(50 * MIN) });
    const gone = makeAssignment({ endedAt: at(MIN), endReason: 'removed' });
    await insert(a, gone);
    const moved = await store.transaction((u) => u.assignments.setEnd(a.id, at(2 * HOUR)));
    expect(moved).toMatchObject({ id: a.id, endsAt: at(2 * HOUR), warnedAt: null });
    expect(await store.transaction((u) => u.assignments.setEnd(a.id, null))).toMatchObject({ endsAt: null });
    expect(await store.transaction((u) => u.assignments.setEnd(gone.id, at(2 * HOUR)))).toBeNull();
  });

  it('markWarned is true only for the caller that set it', async () => {
    const a = makeAssignment();
    await insert(a);
    expect(await store.transaction((u) => u.assignments.markWarned(a.id, at(MIN)))).toBe(true);
    expect(await store.transaction((u) => u.assignments.markWarned(a.id, at(2 * MIN)))).toBe(false);
    expect((await store.transaction((u) => u.assignments.get(a.id)))?.warnedAt).toEqual(at(MIN));
  });

  it('claimEnded returns open time-bound assignments at or past their end, earliest first, up to the limit', async () => {
    const late = makeAssignment({ endsAt: at(2 * MIN) });
    const early = makeAssignment({ type: 'eligible', endsAt: at(MIN) });
    const notYet = makeAssignment({ endsAt: at(HOUR) });
    const permanent = makeAssignment({ endsAt: null });
    const ended = makeAssignment({ endsAt: at(MIN), endedAt: at(MIN), endReason: 'expired' });
    await insert(late, early, notYet, permanent, ended);
    await store.transaction(async (u) => {
      expect(ids(await u.assignments.claimEnded(at(2 * MIN), 10))).toEqual([early.id, late.id]);
      expect(ids(await u.assignments.claimEnded(at(2 * MIN), 1))).toEqual([early.id]);
    });
  });

  it('dueForWarning: current, active, unwarned, ending within (at, at + horizon]', async () => {
    const soon = makeAssignment({ endsAt: at(5 * MIN) });
    const edge = makeAssignment({ endsAt: at(10 * MIN) });
    const later = makeAssignment({ endsAt: at(11 * MIN) });
    const warned = makeAssignment({ endsAt: at(5 * MIN), warnedAt: at(0) });
    const eligible = makeAssignment({ type: 'eligible', endsAt: at(5 * MIN) });
    const past = makeAssignment({ endsAt: at(0) });
    const ended = makeAssignment({ endsAt: at(5 * MIN), endedAt: at(0), endReason: 'deactivated' });
    await insert(soon, edge, later, warned, eligible, past, ended);
    const due = await store.transaction((u) => u.assignments.dueForWarning(T0, 10 * MIN, 10));
    expect(ids(due)).toEqual([soon.id, edge.id]);
    expect(ids(await store.transaction((u) => u.assignments.dueForWarning(T0, 10 * MIN, 1)))).toEqual([soon.id]);
  });

  it('nextEnd is the earliest end among open time-bound assignments', async () => {
    expect(await store.transaction((u) => u.assignments.nextEnd())).toBeNull();
    await insert(
      makeAssignment({ endsAt: at(3 * HOUR) }),
      makeAssignment({ endsAt: null }),
      makeAssignment({ endsAt: at(MIN), endedAt: at(0), endReason: 'deactivated' }),
      makeAssignment({ endsAt: at(2 * HOUR) }),
    );
    expect(await store.transaction((u) => u.assignments.nextEnd())).toEqual(at(2 * HOUR));
  });

  it('count counts every row', async () => {
    expect(await store.transaction((u) => u.assignments.count())).toBe(0);
    await insert(makeAssignment(), makeAssignment({ endedAt: at(0), endReason: 'removed' }));
    expect(await store.transaction((u) => u.assignments.count())).toBe(2);
  });
});

noteSkippedWithoutPostgres('SKIP LOCKED claimEnded across open transactions and concurrent end');

describe.runIf(onPostgres)('assignments on real PostgreSQL under concurrency', () => {
  it('claimEnded in two open transactions never returns the same assignment twice', async () => {
    const as = Array.from({ length: 10 }, (_, i) => makeAssignment({ endsAt: at(i) }));
    await insert(...as);
    let release!: () => void;
    const hold = new Promise<void>((resolve) => (release = resolve));
    let claimed!: () => void;
    const firstClaimed = new Promise<void>((resolve) => (claimed = resolve));
    const a = store.transaction(async (u) => {
      const got = await u.assignments.claimEnded(at(HOUR), 3);
      claimed();
      await hold;
      return ids(got);
    });
    await firstClaimed;
    const b = ids(await store.transaction((u) => u.assignments.claimEnded(at(HOUR), 100)));
    release();
    const aIds = await a;
    expect(aIds).toHaveLength(3);
    expect(b).toHaveLength(7);
    expect(new Set([...aIds, ...b]).size).toBe(10);
  });

  it('concurrent end calls: exactly one caller ends the assignment', async () => {
    const x = makeAssignment();
    await insert(x);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => store.transaction((u) => u.assignments.end(x.id, at(i), i % 2 ? 'expired' : 'deactivated'))),
    );
    expect(results.filter((r) => r !== null)).toHaveLength(1);
  });
});

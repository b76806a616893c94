/** The inbox's accept on the real test database: concurrent requests share inserts, and a key is accepted once. */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { InboxStore, type InboxBody } from '../../../src/db/inbox.js';
import { dedupeKeys } from '../../../src/db/system.sql.js';
import { testDatabase, truncateAll, type TestDatabase } from '../../support/db.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await testDatabase();
});
afterAll(() => database?.close());
beforeEach(() => truncateAll(database.db));

const body = (n: number): InboxBody => ({ body: { command: '/pim', text: `roles ${n}` }, retryNum: 0 });
const now = new Date('2030-01-01T00:00:00.000Z');

describe('InboxStore.accept', () => {
  it('accepts 200 concurrent requests, each key once however often it arrives, in fewer statements than requests', async () => {
    const inbox = new InboxStore(database.db, 7);
    let statements = 0;
    const counting = new Proxy(database.db, {
      get(target, prop, receiver) {
        if (prop === 'insert') statements++;
        return Reflect.get(target, prop, receiver);
      },
    });
    const counted = new InboxStore(counting, 7);
    // 150 distinct keys; 50 of them arrive twice (a Slack retry racing the first delivery).
    const keys = [...Array.from({ length: 150 }, (_, i) => `slack:cmd:${i}`), ...Array.from({ length: 50 }, (_, i) => `slack:cmd:${i * 3}`)];
    const results = await Promise.all(keys.map((k, i) => counted.accept(k, body(i), now)));
    expect(results.filter(Boolean)).toHaveLength(150);
    const acceptedKeys = keys.filter((_, i) => results[i]);
    expect(new Set(acceptedKeys).size).toBe(150);
    const [row] = await database.db.select({ n: sql<number>`count(*)::int` }).from(dedupeKeys);
    expect(row?.n).toBe(150);
    expect(statements).toBeGreaterThan(0);
    expect(statements).toBeLessThan(keys.length / 10);
    // A key seen before is refused, on its own or in a batch.
    expect(await inbox.accept('slack:cmd:5', body(1), now)).toBe(false);
    const [again, fresh] = await Promise.all([inbox.accept('slack:cmd:6', body(2), now), inbox.accept('slack:cmd:new', body(3), now)]);
    expect([again, fresh]).toEqual([false, true]);
    const stored = await database.db.select().from(dedupeKeys).where(sql`${dedupeKeys.key} = 'slack:cmd:new'`);
    expect(stored[0]).toMatchObject({ claimedBy: 7, attempts: 1, body: body(3) });
  });

  it('marks concurrently finished requests done, each at its own time, keeping the first time of a key marked twice', async () => {
    const inbox = new InboxStore(database.db, 7);
    await Promise.all(Array.from({ length: 100 }, (_, i) => inbox.accept(`k${i}`, body(i), now)));
    expect(await inbox.owed()).toBe(100);
    const at = (i: number) => new Date(now.getTime() + 1000 * (i + 1));
    await Promise.all([...Array.from({ length: 80 }, (_, i) => inbox.done(`k${i}`, at(i))), inbox.done('k3', at(500)), inbox.done('unknown', at(1))]);
    expect(await inbox.owed()).toBe(20);
    const rows = await database.db.select().from(dedupeKeys);
    const doneAt = new Map(rows.map((r) => [r.key, r.doneAt]));
    for (let i = 0; i < 80; i++) expect(doneAt.get(`k${i}`)).toEqual(at(i));
    expect(doneAt.get('k90')).toBeNull();
    await inbox.done('k3', at(900));
    expect((await database.db.select().from(dedupeKeys).where(sql`${dedupeKeys.key} = 'k3'`))[0]?.doneAt).toEqual(at(3));
  });
});

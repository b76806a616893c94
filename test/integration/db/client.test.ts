import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { is, sql } from 'drizzle-orm';
import { PgTable } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationsFolder, openDatabase } from '../../../src/db/client.js';
import { DatabaseBusyError, lockPathOf } from '../../../src/db/pglite-lock.js';
import { requests } from '../../../src/db/requests.sql.js';
import * as schema from '../../../src/db/schema.js';
import { noteSkippedWithoutPostgres, onPostgres, testDatabase, type TestDatabase } from '../../support/db.js';
import { makeRequest } from '../../support/db-fixtures.js';

/** Every table the schema defines: the migrations must create exactly these. */
const SCHEMA_TABLES = (Object.values(schema) as unknown[]).filter((t) => is(t, PgTable)).length;

let database: TestDatabase;

beforeAll(async () => {
  database = await testDatabase();
});
afterAll(() => database?.close());

const tables = async (db: TestDatabase['db']) => {
  const rows = await db.execute(sql`select count(*)::int as n from information_schema.tables where table_schema = 'public'`);
  const list = Array.isArray(rows) ? rows : (rows as { rows: { n: number }[] }).rows;
  return Number((list[0] as { n: number }).n);
};

describe('openDatabase', () => {
  it('finds the migrations folder at the repository root', () => {
    expect(migrationsFolder()).toMatch(/[/\\]migrations[/\\]$/);
  });

  it(`says which driver it uses (${onPostgres ? 'postgres' : 'pglite'}) and answers ping`, async () => {
    expect(database.kind).toBe(onPostgres ? 'postgres' : 'pglite');
    expect(await database.ping()).toBe(true);
  });

  it('ping is false, not an error, when the server cannot be reached', async () => {
    const nowhere = await openDatabase({ url: 'postgres://postgres@127.0.0.1:1/none' });
    try {
      expect(await nowhere.ping(1_000)).toBe(false);
    } finally {
      await nowhere.close();
    }
  });

  it('migrate is idempotent', async () => {
    await database.migrate();
    await database.migrate();
    expect(await tables(database.db)).toBe(SCHEMA_TABLES);
  });

  it('LISTEN/NOTIFY: a listener hears a notification with its payload until it unsubscribes', async () => {
    const heard: string[] = [];
    let resolveFirst!: () => void;
    const first = new Promise<void>((resolve) => (resolveFirst = resolve));
    const stop = await database.listen('pim_test', (p) => {
      heard.push(p);
      resolveFirst();
    });
    await database.notify('pim_test', 'hello');
    await first;
    await stop();
    await database.notify('pim_test', 'after');
    await new Promise((r) => setTimeout(r, 200));
    expect(heard).toEqual(['hello']);
  });

  it('a PGlite directory is created, persists across reopening, and ping is false once closed', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'pim-dir-')), 'nested', 'pglite');
    try {
      const one = await openDatabase({ pgliteDir: dir });
      expect(one.kind).toBe('pglite');
      await one.migrate();
      await one.db.insert(requests).values(makeRequest({ id: 'R-PERSIST' }));
      // While it is open nobody else may open it (the claim is checked before PGlite starts).
      await expect(openDatabase({ pgliteDir: dir })).rejects.toThrow(DatabaseBusyError);
      expect(existsSync(lockPathOf(dir))).toBe(true);
      await one.close();
      expect(existsSync(lockPathOf(dir))).toBe(false);
      expect(await one.ping()).toBe(false);
      const two = await openDatabase({ pgliteDir: dir });
      await two.migrate();
      expect((await two.db.select().from(requests)).map((r) => r.id)).toEqual(['R-PERSIST']);
      await two.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

noteSkippedWithoutPostgres('concurrent migrations from several replicas');

describe.runIf(onPostgres)('openDatabase on real PostgreSQL', () => {
  it('replicas migrating the same empty database at once apply the migration once', async () => {
    const empty = await testDatabase({ migrate: false });
    try {
      const replicas = await Promise.all(Array.from({ length: 4 }, () => openDatabase({ url: empty.url! })));
      await Promise.all(replicas.map((r) => r.migrate()));
      expect(await tables(empty.db)).toBe(SCHEMA_TABLES);
      const applied = await empty.db.execute(sql`select count(*)::int as n from drizzle.__drizzle_migrations`);
      const journal = JSON.parse(readFileSync(join(migrationsFolder(), 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] };
      expect(Number((applied as unknown as { n: number }[])[0]!.n)).toBe(journal.entries.length);
      await Promise.all(replicas.map((r) => r.close()));
      expect(await replicas[0]!.ping()).toBe(false);
    } finally {
      await empty.close();
    }
  });
});

/**
 * A database for one integration test file: a fresh PostgreSQL database when TEST_DATABASE_URL
 * is set (dropped on close), otherwise an in-memory PGlite (loaded from the globalSetup dump
 * when there is one).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { getTableName, is, sql } from 'drizzle-orm';
import { PgTable } from 'drizzle-orm/pg-core';
import postgres from 'postgres';
import { inject } from 'vitest';
import { openDatabase, pgliteDatabase, type Database, type Db } from '../../src/db/client.js';
import * as schema from '../../src/db/schema.js';

export interface TestDatabase extends Database {
  /** The PostgreSQL database name, or null on PGlite. */
  readonly name: string | null;
}

export const onPostgres = Boolean(process.env.TEST_DATABASE_URL);

/** Call once per file (beforeAll); close it in afterAll. */
export async function testDatabase(options: { maxConnections?: number } = {}): Promise<TestDatabase> {
  const url = process.env.TEST_DATABASE_URL;
  return url ? postgresTestDatabase(url, options.maxConnections) : pgliteTestDatabase();
}

async function pgliteTestDatabase(): Promise<TestDatabase> {
  const dump = inject('pimPgliteDump');
  if (dump) {
    const pg = await PGlite.create({ loadDataDir: new Blob([readFileSync(dump)]) });
    return { ...pgliteDatabase(pg), name: null };
  }
  const database = await openDatabase({ memory: true });
  await database.migrate();
  return { ...database, name: null };
}

async function postgresTestDatabase(url: string, maxConnections?: number): Promise<TestDatabase> {
  const name = `pim_t_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  const dbUrl = new URL(url);
  dbUrl.pathname = `/${name}`;
  let database: Database;
  try {
    database = await openDatabase({ url: dbUrl.toString(), ...(maxConnections ? { maxConnections } : {}) });
    await database.migrate();
  } catch (err) {
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.end();
    throw err;
  }
  return {
    ...database,
    name,
    async close() {
      try {
        await database.close();
      } finally {
        await admin.unsafe(`drop database if exists "${name}" with (force)`);
        await admin.end();
      }
    },
  };
}

const tableNames = Object.values(schema)
  .filter((t): t is PgTable => is(t, PgTable))
  .map((t) => `"${getTableName(t)}"`);

/** Empties every table and restarts sequences; call between tests (beforeEach). */
export async function truncateAll(db: Db): Promise<void> {
  await db.execute(sql.raw(`truncate table ${tableNames.join(', ')} restart identity cascade`));
}

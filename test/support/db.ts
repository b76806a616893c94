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
  /** Its URL (PostgreSQL only), to open more connections to it. */
  readonly url: string | null;
}

export const onPostgres = Boolean(process.env.TEST_DATABASE_URL);

/** Prints why PostgreSQL-only tests in this file do not run (use with `describe.runIf(onPostgres)`). */
export function noteSkippedWithoutPostgres(what: string): void {
  if (!onPostgres) console.info(`[skipped] ${what}: needs real PostgreSQL, and TEST_DATABASE_URL is not set`);
}

export interface TestDatabaseOptions {
  /** postgres.js pool size (PostgreSQL only; default 10). */
  maxConnections?: number;
  /** Apply migrations (default true); false gives an empty database. */
  migrate?: boolean;
}

/** Call once per file (beforeAll); close it in afterAll. */
export async function testDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const url = process.env.TEST_DATABASE_URL;
  return url ? postgresTestDatabase(url, options) : pgliteTestDatabase(options);
}

async function pgliteTestDatabase({ migrate = true }: TestDatabaseOptions): Promise<TestDatabase> {
  const dump = inject('pimPgliteDump');
  if (dump && migrate) {
    const pg = await PGlite.create({ loadDataDir: new Blob([readFileSync(dump)]) });
    return { ...pgliteDatabase(pg), name: null, url: null };
  }
  const database = await openDatabase({ memory: true });
  if (migrate) await database.migrate();
  return { ...database, name: null, url: null };
}

async function postgresTestDatabase(url: string, { maxConnections, migrate = true }: TestDatabaseOptions): Promise<TestDatabase> {
  const name = `pim_t_${process.pid}_${randomBytes(4).toString('hex')}`;
  await admin(url, `create database "${name}"`);
  const dbUrl = new URL(url);
  dbUrl.pathname = `/${name}`;
  const drop = () => admin(url, `drop database if exists "${name}" with (force)`);
  let database: Database;
  try {
    database = await openDatabase({ url: dbUrl.toString(), ...(maxConnections ? { maxConnections } : {}) });
    if (migrate) await database.migrate();
  } catch (err) {
    await drop();
    throw err;
  }
  return {
    ...database,
    name,
    url: dbUrl.toString(),
    async close() {
      try {
        await database.close();
      } finally {
        await drop();
      }
    },
  };
}

/** Runs one statement on the server's admin database (CREATE/DROP DATABASE cannot run elsewhere). */
async function admin(url: string, statement: string): Promise<void> {
  const sqlClient = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sqlClient.unsafe(statement);
  } finally {
    await sqlClient.end();
  }
}

const tableNames = (Object.values(schema) as unknown[])
  .filter((t): t is PgTable => is(t, PgTable))
  .map((t) => `"${getTableName(t)}"`);

/** Empties every table and restarts sequences; call between tests (beforeEach). */
export async function truncateAll(db: Db): Promise<void> {
  await db.execute(sql.raw(`truncate table ${tableNames.join(', ')} restart identity cascade`));
}

/**
 * Every table's row count and a hash of its contents, to show a request changed nothing:
 * take one before and one after and compare them with `toEqual`.
 */
export async function tableSnapshot(db: Db): Promise<Record<string, { rows: number; hash: string }>> {
  const snapshot: Record<string, { rows: number; hash: string }> = {};
  for (const name of tableNames) {
    const result = await db.execute(sql.raw(`select count(*)::int as rows, coalesce(md5(string_agg(t::text, '|' order by t::text)), '') as hash from ${name} t`));
    const [row] = (Array.isArray(result) ? result : ((result as { rows?: unknown[] }).rows ?? [])) as { rows: number; hash: string }[];
    snapshot[name.replaceAll('"', '')] = { rows: Number(row?.rows ?? 0), hash: row?.hash ?? '' };
  }
  return snapshot;
}

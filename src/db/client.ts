/**
 * Opens the database: PostgreSQL through postgres.js when a URL is given, otherwise embedded
 * PGlite (in a directory, or in memory). Both come back as the same drizzle `Db`, so every
 * repository serves both.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import type { PgDatabase } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { joinAsNode, type NodeMembership } from './nodes.js';
import { lockPgliteDir } from './pglite-lock.js';

/** A drizzle database or transaction on either driver; repositories take this. */
export type Db = PgDatabase<any, any, any>;

export type DatabaseKind = 'postgres' | 'pglite';

export interface Database {
  readonly db: Db;
  readonly kind: DatabaseKind;
  /** The PostgreSQL URL it was opened with (another thread can open its own connections); null on PGlite. */
  readonly url: string | null;
  /** Applies pending migrations from `migrations/`; safe to call from several replicas at once. */
  migrate(): Promise<void>;
  /** True when a trivial query succeeds within `timeoutMs` (default 2 s). */
  ping(timeoutMs?: number): Promise<boolean>;
  /** Subscribes to a NOTIFY channel; resolves once listening, to a function that unsubscribes. */
  listen(channel: string, fn: (payload: string) => void): Promise<() => Promise<void>>;
  /** Sends a NOTIFY outside any transaction. */
  notify(channel: string, payload: string): Promise<void>;
  /** Makes this process a live node (src/db/nodes.ts), on a session of its own on PostgreSQL. */
  joinAsNode(): Promise<NodeMembership>;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** PostgreSQL URL (the composition root passes `DATABASE_URL`). Set: postgres.js. */
  url?: string;
  /** PGlite data directory, created when missing (default `./.data/pglite`). */
  pgliteDir?: string;
  /** PGlite in memory (tests, throwaway runs); wins over `pgliteDir`. */
  memory?: boolean;
  /** postgres.js pool size (default 10). */
  maxConnections?: number;
  /** Override where migrations are read from. */
  migrationsFolder?: string;
}

export const DEFAULT_PGLITE_DIR = './.data/pglite';

/** Advisory lock key held while migrating, so concurrent replicas apply migrations once. */
const MIGRATION_LOCK_KEY = 0x70696d5f6d6967n; // 'pim_mig'

export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<Database> {
  if (options.url) return postgresDatabase(options.url, options);
  let pg: PGlite;
  if (options.memory) {
    pg = await PGlite.create();
  } else {
    const dir = options.pgliteDir ?? DEFAULT_PGLITE_DIR;
    mkdirSync(dir, { recursive: true });
    const release = lockPgliteDir(dir);
    try {
      pg = await PGlite.create(dir);
    } catch (e) {
      release();
      throw e;
    }
    const database = pgliteDatabase(pg, options);
    return {
      ...database,
      async close() {
        try {
          await database.close();
        } finally {
          release();
        }
      },
    };
  }
  return pgliteDatabase(pg, options);
}

/** Wraps an already created PGlite (e.g. one loaded from a dump in tests). */
export function pgliteDatabase(pg: PGlite, options: Pick<OpenDatabaseOptions, 'migrationsFolder'> = {}): Database {
  const db = drizzlePglite({ client: pg });
  return {
    db,
    kind: 'pglite',
    url: null,
    async migrate() {
      // PGlite is one connection in this process: nothing else can migrate concurrently.
      await migratePglite(db, { migrationsFolder: options.migrationsFolder ?? migrationsFolder() });
    },
    ping: (timeoutMs) => pingDb(db, timeoutMs),
    async listen(channel, fn) {
      const unsubscribe = await pg.listen(channel, fn);
      return async () => {
        if (!pg.closed) await unsubscribe();
      };
    },
    async notify(channel, payload) {
      await pg.query('select pg_notify($1, $2)', [channel, payload]);
    },
    // One connection: the node lock lives on it, next to everything else.
    joinAsNode: () => joinAsNode(db),
    async close() {
      if (!pg.closed) await pg.close();
    },
  };
}

function postgresDatabase(url: string, options: OpenDatabaseOptions): Database {
  const client = postgres(url, { max: options.maxConnections ?? 10, onnotice: () => {} });
  const db = drizzlePostgres({ client });
  return {
    db,
    kind: 'postgres',
    url,
    async migrate() {
      // One dedicated connection holds a session advisory lock for the whole run; drizzle's
      // migrator alone would let two replicas starting together both apply the same migration.
      const one = postgres(url, { max: 1, onnotice: () => {} });
      try {
        await one`select pg_advisory_lock(${MIGRATION_LOCK_KEY.toString()}::bigint)`;
        await migratePostgres(drizzlePostgres({ client: one }), {
          migrationsFolder: options.migrationsFolder ?? migrationsFolder(),
        });
        await one`select pg_advisory_unlock(${MIGRATION_LOCK_KEY.toString()}::bigint)`;
      } finally {
        await one.end({ timeout: 5 });
      }
    },
    ping: (timeoutMs) => pingDb(db, timeoutMs),
    async listen(channel, fn) {
      const sub = await client.listen(channel, fn);
      return () => sub.unlisten();
    },
    async notify(channel, payload) {
      await client.notify(channel, payload);
    },
    async joinAsNode() {
      // A session of its own that is never recycled: the lock lives exactly as long as it does.
      const one = postgres(url, { max: 1, max_lifetime: null, idle_timeout: 0, onnotice: () => {} });
      try {
        return await joinAsNode(drizzlePostgres({ client: one }), () => one.end({ timeout: 5 }));
      } catch (err) {
        await one.end({ timeout: 5 });
        throw err;
      }
    },
    async close() {
      await client.end({ timeout: 5 });
    },
  };
}

async function pingDb(db: Db, timeoutMs = 2_000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    // An unreachable server would otherwise hold a health check for the whole connect timeout.
    const query = db.execute(sql`select 1`).then(
      () => true,
      () => false,
    );
    return await Promise.race([query, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** `migrations/` at the repository root, found from src/db (tsx, vitest) or dist/src/db (built). */
export function migrationsFolder(): string {
  const candidates = ['../../migrations/', '../../../migrations/'].map((p) => fileURLToPath(new URL(p, import.meta.url)));
  const found = candidates.find((dir) => existsSync(`${dir}meta/_journal.json`));
  if (!found) throw new Error(`migrations folder not found (looked in ${candidates.join(', ')})`);
  return found;
}

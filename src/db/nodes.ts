/**
 * Node liveness: each running bot (each replica) is a node with a small number id and holds a
 * session advisory lock on it for as long as it lives, on a connection of its own. Work a node
 * claims (outbox rows, acked requests in the inbox) records the node's id; a row whose node no
 * longer holds its lock belongs to a dead process and any live node takes it over at once.
 *
 * Why a lock and not a heartbeat: PostgreSQL releases a session lock the moment the session
 * ends, and a process killed with SIGKILL ends its sessions with it (the kernel closes the
 * socket, the backend exits). So a takeover waits for nothing but the next claim, with no
 * heartbeat writes and no clock to trust. A node that is alive but stuck keeps its lock; the
 * claim's lease still bounds how long its rows wait.
 *
 * On PGlite the bot is the only process that can open the data directory (pglite-lock.ts), so
 * every node id in the rows but this process's own belongs to a process that is gone.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Db } from './client.js';
import { rowsOf } from './rows.js';

/** The first key of the two-part advisory lock every node holds ('pim' in ASCII). */
export const NODE_LOCK_CLASS = 0x70696d;

/** This process's membership: its id, and the lock that says it is alive. */
export interface NodeMembership {
  readonly id: number;
  /** True while the lock is still held (checked against the database). */
  stillHeld(): Promise<boolean>;
  /** Releases the lock (on shutdown): the node's unfinished rows are free at once. */
  close(): Promise<void>;
}

/** The lock statements for one session: `db` must be a single connection (or PGlite). */
export async function tryLockNode(db: Db, id: number): Promise<boolean> {
  const r = await db.execute(sql`select pg_try_advisory_lock(${sql.raw(String(NODE_LOCK_CLASS))}, ${sql.raw(String(id))}) as locked`);
  return rowsOf<{ locked: boolean }>(r)[0]?.locked === true;
}

export async function unlockNode(db: Db, id: number): Promise<void> {
  await db.execute(sql`select pg_advisory_unlock(${sql.raw(String(NODE_LOCK_CLASS))}, ${sql.raw(String(id))})`);
}

/** True when the session of `db` holds node `id`'s lock. */
export async function holdsNode(db: Db, id: number): Promise<boolean> {
  const r = await db.execute(sql`
    select exists (
      select 1 from pg_locks
      where locktype = 'advisory' and classid = ${sql.raw(String(NODE_LOCK_CLASS))} and objid = ${sql.raw(String(id))}
        and objsubid = 2 and granted and pid = pg_backend_pid()
    ) as held`);
  return rowsOf<{ held: boolean }>(r)[0]?.held === true;
}

/** A random node id: positive, so it reads the same as an `oid` in `pg_locks`. */
export function randomNodeId(): number {
  return 1 + Math.floor(Math.random() * 0x7ffffffe);
}

/**
 * Takes a node lock on `db` (one session), trying fresh random ids until one is free;
 * `release` closes that session after the lock is let go.
 */
export async function joinAsNode(db: Db, release: () => Promise<void> = async () => {}): Promise<NodeMembership> {
  for (let tries = 0; tries < 20; tries += 1) {
    const id = randomNodeId();
    if (!(await tryLockNode(db, id))) continue;
    return {
      id,
      async stillHeld() {
        if (await holdsNode(db, id)) return true;
        // The session was replaced (a database restart): take the same id again if it is free.
        return tryLockNode(db, id);
      },
      async close() {
        try {
          await unlockNode(db, id);
        } finally {
          await release();
        }
      },
    };
  }
  throw new Error('could not find a free node id for this process (20 tries)');
}

/**
 * SQL: the node in `column` is dead (holds no node lock in this database). A null column is no
 * node at all and never dead: the caller's lease decides (`not in` alone would call it dead when
 * no node is alive). The subquery is evaluated once per statement (a hashed subplan), not per row.
 */
export function deadNode(column: SQL | { name: string }): SQL {
  return sql`${column} is not null and ${column} not in (
    select objid::bigint::integer from pg_locks
    where locktype = 'advisory' and classid = ${sql.raw(String(NODE_LOCK_CLASS))} and objsubid = 2 and granted
      and database = (select oid from pg_database where datname = current_database())
  )`;
}

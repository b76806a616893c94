/** PostgreSQL advisory locks for singleton jobs: the core's `JobLock`, bound to one transaction. */
import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { JobLock } from '../core/index.js';
import type { Db } from './client.js';
import { rowsOf } from './rows.js';

/** A stable signed 64-bit advisory lock key for a job name ('pim_job:' + name, SHA-256, first 8 bytes). */
export function jobLockKey(name: string): bigint {
  return createHash('sha256').update(`pim_job:${name}`).digest().readBigInt64BE(0);
}

/**
 * `pg_try_advisory_xact_lock`: held until the transaction ends, released by commit or rollback
 * (a replica that dies mid-job frees it with its connection), never waited for.
 */
export class AdvisoryJobLock implements JobLock {
  constructor(private readonly db: Db) {}

  async tryLock(name: string): Promise<boolean> {
    const result = await this.db.execute(sql`select pg_try_advisory_xact_lock(${sql.raw(jobLockKey(name).toString())}) as locked`);
    return rowsOf<{ locked: boolean }>(result)[0]?.locked === true;
  }

  async lock(name: string): Promise<void> {
    await this.db.execute(sql`select pg_advisory_xact_lock(${sql.raw(jobLockKey(name).toString())})`);
  }
}

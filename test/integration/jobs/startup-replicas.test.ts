/**
 * Two replicas started at the same instant on an empty PostgreSQL database: each runs the real
 * start-up (`startApp`: migrations under an advisory lock, then bootstrap under another), and the
 * bootstrap assignments are applied once, not once per replica. Ten trials, each on a database of
 * its own that no migration has touched.
 */
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { startApp } from '../../../src/app.js';
import { loadEnv } from '../../../src/config/env.js';
import { parsePimConfig } from '../../../src/config/pim-config.js';
import { rowsOf } from '../../../src/db/rows.js';
import { noteSkippedWithoutPostgres, onPostgres, testDatabase, type TestDatabase } from '../../support/db.js';
import { TEST_ENCRYPTION_KEY } from '../../support/keys.js';
import { pimConfigYaml } from '../../support/pim.js';

const TRIALS = 10;

noteSkippedWithoutPostgres('two replicas starting together on one empty database');

const countOf = async (database: TestDatabase, query: ReturnType<typeof sql>): Promise<number> => rowsOf<{ n: number }>(await database.db.execute(query))[0]?.n ?? -1;

describe.runIf(onPostgres)('replica-safe start-up', () => {
  it(`applies bootstrap (and records the config) once when two replicas start together on an empty database (${TRIALS} trials)`, async () => {
    const config = parsePimConfig(pimConfigYaml(), 'pim.config.yaml', { env: {} });
    const once = config.bootstrap.assignments.length;
    const counts: { assignments: number; audited: number; configRecorded: number }[] = [];
    for (let trial = 0; trial < TRIALS; trial++) {
      const scratch = await testDatabase({ migrate: false });
      try {
        const env = loadEnv({ DATABASE_URL: scratch.url ?? '', PIM_DEV_MODE: 'false', HOST: '127.0.0.1', LOG_LEVEL: 'silent', PIM_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY });
        const apps = await Promise.all([0, 1].map(() => startApp({ env, config, port: 0, adapters: [] })));
        await Promise.all(apps.map((a) => a.close()));
        counts.push({
          assignments: await countOf(scratch, sql`select count(*)::int as n from assignments`),
          audited: await countOf(scratch, sql`select count(*)::int as n from audit_events where action = 'assignment.created'`),
          configRecorded: await countOf(scratch, sql`select count(*)::int as n from audit_events where action like 'config.%'`),
        });
      } finally {
        await scratch.close();
      }
    }
    expect(once).toBeGreaterThan(0);
    expect(counts).toEqual(Array.from({ length: TRIALS }, () => ({ assignments: once, audited: once, configRecorded: 1 })));
  }, 120_000);
});

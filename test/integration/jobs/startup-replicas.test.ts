/**
 * Two replicas started at the same instant on an empty PostgreSQL database: each runs the real
 * start-up (`startApp`: migrations under an advisory lock, then bootstrap under another), and the
 * bootstrap assignments are applied once, not once per replica. Ten trials, each on a database of
 * its own that no migration has touched.
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { startApp, type AppHandle } from '../../../src/app.js';
import { loadEnv } from '../../../src/config/env.js';
import { parsePimConfig } from '../../../src/config/pim-config.js';
import { noteSkippedWithoutPostgres, onPostgres } from '../../support/db.js';

const CONFIG = `
directory:
  users:
    - { id: alice@example.com, name: Alice }
    - { id: bob@example.com, name: Bob }
    - { id: carol@example.com, name: Carol }
admins: [carol@example.com]
roles:
  - name: Reader
    scopes: [/]
    policy: { requireJustification: false }
  - name: Owner
    scopes: [/subscriptions/prod]
bootstrap:
  assignments:
    - { principal: alice@example.com, role: Reader, type: eligible }
    - { principal: bob@example.com, role: Reader, type: eligible }
    - { principal: alice@example.com, role: Owner, type: eligible }
    - { principal: carol@example.com, role: Owner, type: eligible }
`;
const BOOTSTRAPPED = 4;
const TRIALS = 10;

noteSkippedWithoutPostgres('two replicas starting together on one empty database');

const adminUrl = process.env.TEST_DATABASE_URL ?? '';
const created: string[] = [];

async function admin(statement: string): Promise<void> {
  const client = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await client.unsafe(statement);
  } finally {
    await client.end();
  }
}

afterAll(async () => {
  for (const name of created) await admin(`drop database if exists "${name}" with (force)`);
});

describe.runIf(onPostgres)('replica-safe start-up', () => {
  it(`applies bootstrap once when two replicas start together on an empty database (${TRIALS} trials)`, async () => {
    const config = parsePimConfig(CONFIG, 'startup-replicas.pim.config.yaml', { env: {} });
    const counts: number[] = [];
    const audits: number[] = [];
    for (let trial = 0; trial < TRIALS; trial++) {
      const name = `pim_start_${process.pid}_${randomBytes(4).toString('hex')}`;
      await admin(`create database "${name}"`);
      created.push(name);
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      const env = loadEnv({ DATABASE_URL: url.toString(), PIM_DEV_MODE: 'false', HOST: '127.0.0.1', LOG_LEVEL: 'silent' });
      const apps: AppHandle[] = await Promise.all([0, 1].map(() => startApp({ env, config, port: 0, adapters: [] })));
      try {
        const check = postgres(url.toString(), { max: 1, onnotice: () => {} });
        try {
          const [a] = await check<{ n: number }[]>`select count(*)::int as n from assignments`;
          const [e] = await check<{ n: number }[]>`select count(*)::int as n from audit_events where action = 'assignment.created'`;
          counts.push(a?.n ?? -1);
          audits.push(e?.n ?? -1);
        } finally {
          await check.end();
        }
      } finally {
        await Promise.all(apps.map((a) => a.close()));
      }
    }
    expect(counts).toEqual(Array.from({ length: TRIALS }, () => BOOTSTRAPPED));
    expect(audits).toEqual(Array.from({ length: TRIALS }, () => BOOTSTRAPPED));
  }, 120_000);
});

/**
 * Config changes are audited: each start of the real bot (`startApp`) records the config's
 * SHA-256 and snapshot; the first start writes `config.recorded`, a start on the same config
 * writes nothing, and a start after roles, policies, approvers or admins changed writes one
 * `config.changed` row naming each changed setting. The rows are part of the hash chain.
 */
import { like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp } from '../../src/app.js';
import { loadEnv } from '../../src/config/env.js';
import { configFingerprint } from '../../src/config/fingerprint.js';
import { parsePimConfig } from '../../src/config/pim-config.js';
import { verifyAuditChain } from '../../src/db/audit-verify.js';
import { auditEvents } from '../../src/db/audit.sql.js';
import { testDatabase, type TestDatabase } from '../support/db.js';
import { TEST_ENCRYPTION_KEY } from '../support/keys.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await testDatabase();
});
afterAll(() => database?.close());

const YAML = (maxActivation: string, admins: string, approvers: string) => `
directory:
  users:
    - { id: alice@example.com, name: Alice }
    - { id: carol@example.com, name: Carol }
    - { id: erin@example.com, name: Erin }
admins: [${admins}]
provider: { type: webhook, url: https://grants.example.com/pim, secret: a-very-long-secret-0123456789 }
roles:
  - name: Reader
    scopes: [/]
  - name: Owner
    scopes: [/subscriptions/prod]
    policy:
      maxActivation: ${maxActivation}
      approval: { required: true, approvers: [${approvers}] }
`;

async function startOn(yaml: string): Promise<void> {
  const env = loadEnv({ PIM_DEV_MODE: 'false', HOST: '127.0.0.1', LOG_LEVEL: 'silent', PIM_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY });
  const app = await startApp({ env, config: parsePimConfig(yaml, 'pim.config.yaml', { env: {} }), database, port: 0, adapters: [], noDeadlineLoop: true });
  await app.close();
}

const configRows = () => database.db.select().from(auditEvents).where(like(auditEvents.action, 'config.%')).orderBy(auditEvents.seq);

describe('config changes in the audit trail', () => {
  it('records the first config, nothing for an unchanged one, and each changed setting after', async () => {
    await startOn(YAML('2h', 'erin@example.com', 'carol@example.com'));
    let rows = await configRows();
    expect(rows.map((r) => r.action)).toEqual(['config.recorded']);
    expect(rows[0]).toMatchObject({ actor: 'system', subject: 'config:pim.config.yaml', details: { previous: null, changed: null } });
    const first = (rows[0]?.details as { sha256: string }).sha256;
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    // The webhook's signing secret is never written to the audit trail.
    expect(JSON.stringify(rows[0]?.details)).not.toContain('a-very-long-secret');

    // The same meaning, written differently (a comment, another order): nothing new.
    await startOn(`# reformatted\n${YAML('2h', 'erin@example.com', 'carol@example.com')}`);
    expect(await configRows()).toHaveLength(1);

    await startOn(YAML('4h', 'erin@example.com, alice@example.com', 'carol@example.com, erin@example.com'));
    rows = await configRows();
    expect(rows.map((r) => r.action)).toEqual(['config.recorded', 'config.changed']);
    expect(rows[1]?.details).toMatchObject({
      previous: first,
      changed: ['admins', 'roles.Owner./subscriptions/prod.approval.approvers', 'roles.Owner./subscriptions/prod.maxActivationMs'],
    });
    expect(await verifyAuditChain(database.db)).toMatchObject({ ok: true });
  });

  it('hashes what the config means: key order does not matter, any setting does', () => {
    const a = configFingerprint(parsePimConfig(YAML('2h', 'erin@example.com', 'carol@example.com'), 'a.yaml', { env: {} }));
    const b = configFingerprint(parsePimConfig(YAML('2h', 'erin@example.com', 'carol@example.com'), 'b.yaml', { env: {} }));
    const c = configFingerprint(parsePimConfig(YAML('3h', 'erin@example.com', 'carol@example.com'), 'a.yaml', { env: {} }));
    expect(a.sha256).toBe(b.sha256);
    expect(c.sha256).not.toBe(a.sha256);
  });
});

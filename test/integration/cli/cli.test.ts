/**
 * The admin CLI run in-process (`runCli`) against the test database (PGlite, or PostgreSQL when
 * TEST_DATABASE_URL is set), with its own small pim.config.yaml; plus one spawn of the real
 * entry point.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from '../../../src/clock.js';
import { runCli } from '../../../src/cli.js';
import { csvCell } from '../../../src/cli/csv.js';
import type { Clock } from '../../../src/core/index.js';
import { lockPathOf } from '../../../src/db/pglite-lock.js';
import { rowsOf } from '../../../src/db/rows.js';
import { DrizzleStore } from '../../../src/db/store.js';
import { onPostgres, testDatabase, truncateAll, type TestDatabase } from '../../support/db.js';

const CONFIG = `
directory:
  users:
    - { id: alice@example.com, name: Alice, slack: U0ALICE }
    - { id: bob@example.com, name: Bob, slack: U0BOB }
    - { id: dave@example.com, name: Dave }
    - { id: erin@example.com, name: Erin }
admins: [erin@example.com]
channels:
  security: { slack: C0SECURITY }
roles:
  - name: Owner
    scopes: [/subscriptions/prod]
    policy: { maxActivation: 1h, approval: { required: false } }
  - name: Reader
    scopes: [/]
    policy: { requireJustification: false }
  - name: Global Administrator
    scopes: [/]
    policy: { maxActivation: 2h }
bootstrap:
  assignments:
    - { principal: alice@example.com, role: Reader, type: eligible }
`;

let database: TestDatabase;
let dir: string;
let env: Record<string, string>;

beforeAll(async () => {
  database = await testDatabase();
  dir = mkdtempSync(join(tmpdir(), 'pim-cli-'));
  writeFileSync(join(dir, 'pim.config.yaml'), CONFIG);
  env = { PIM_CONFIG: join(dir, 'pim.config.yaml') };
});
afterAll(async () => {
  await database?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => truncateAll(database.db));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process on the test database. */
async function pim(argv: string[], options: { env?: Record<string, string>; clock?: Clock; ownDatabase?: boolean } = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    env: options.env ?? env,
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    ...(options.ownDatabase ? {} : { database }),
    clock: options.clock ?? systemClock,
  });
  return { code, stdout, stderr };
}

const jsonLines = (text: string) =>
  text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { seq: number; actor: string; action: string; subject: string; details: Record<string, unknown> });

/** RFC 4180 reader, to check what a spreadsheet would see. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    if (quoted) {
      if (c === '"' && text.charAt(i + 1) === '"') {
        cell += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        cell += c;
      }
    } else if (c === '"') {
      quoted = true;
    } else if (c === ',') {
      record.push(cell);
      cell = '';
    } else if (c === '\r' && text.charAt(i + 1) === '\n') {
      record.push(cell);
      records.push(record);
      record = [];
      cell = '';
      i++;
    } else {
      cell += c;
    }
  }
  if (cell !== '' || record.length > 0) throw new Error('the CSV does not end with CRLF');
  return records;
}

describe('migrate', () => {
  it('creates the schema in the database the env names; commands before it say to run it', async () => {
    const fresh = onPostgres ? await testDatabase({ migrate: false }) : null;
    const pgliteDir = mkdtempSync(join(tmpdir(), 'pim-cli-pglite-'));
    const own = { ...env, ...(fresh?.url ? { DATABASE_URL: fresh.url } : { PGLITE_DIR: pgliteDir }) };
    try {
      const early = await pim(['audit', 'verify'], { env: own, ownDatabase: true });
      expect(early.code).toBe(1);
      expect(early.stderr).toContain('run `pim migrate` first');

      const migrated = await pim(['migrate'], { env: own, ownDatabase: true });
      expect(migrated).toMatchObject({ code: 0, stderr: '' });
      expect(migrated.stdout).toMatch(onPostgres ? /^database migrated \(PostgreSQL\)\n$/ : /^database migrated \(PGlite in .+\)\n$/);

      // Idempotent, and the next command (a new process, as it were) finds the schema.
      expect((await pim(['migrate'], { env: own, ownDatabase: true })).code).toBe(0);
      expect(await pim(['audit', 'verify'], { env: own, ownDatabase: true })).toMatchObject({ code: 0, stdout: 'audit chain ok: 0 events\n' });

      if (!fresh) {
        // Another process (the bot, say) has the embedded database open: the CLI refuses, saying who and what to do.
        const bot = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
        try {
          writeFileSync(lockPathOf(pgliteDir), JSON.stringify({ pid: bot.pid, since: new Date().toISOString(), command: 'dist/src/main.js' }));
          const refused = await pim(['audit', 'verify'], { env: own, ownDatabase: true });
          expect(refused.code).toBe(1);
          expect(refused.stdout).toBe('');
          expect(refused.stderr).toContain(`pim audit verify: The embedded database in ${pgliteDir} is open in process ${bot.pid} (dist/src/main.js`);
          expect(refused.stderr).toContain('stop the bot before running the CLI');
        } finally {
          bot.kill();
          await new Promise((r) => bot.once('exit', r));
        }
        // Once that process is gone its claim is stale, and the CLI goes ahead.
        expect(await pim(['audit', 'verify'], { env: own, ownDatabase: true })).toMatchObject({ code: 0 });
      }
    } finally {
      await fresh?.close();
      rmSync(pgliteDir, { recursive: true, force: true });
    }
  });
});

describe('assign and remove', () => {
  it('assigns through the core as the first admin, and the audit export shows it', async () => {
    const r = await pim(['assign', 'bob@example.com', 'Owner', '--for', '30d', '--reason', 'on call, week 12']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^assigned eligible Owner at \/subscriptions\/prod for Bob \(bob@example.com\), until \S+Z \[assignment [0-9a-f-]+\]\n$/);
    // The database had no assignments, so the config's bootstrap went in first (as the bot would).
    expect(r.stderr).toContain('applied 1 bootstrap assignment');

    const exported = await pim(['audit', 'export']);
    expect(exported.code).toBe(0);
    const events = jsonLines(exported.stdout);
    expect(events.map((e) => e.action)).toEqual(['assignment.created', 'assignment.created']);
    expect(events[1]).toMatchObject({
      seq: 2,
      actor: 'erin@example.com',
      details: { principal: 'bob@example.com', role: 'Owner', scope: '/subscriptions/prod', type: 'eligible', reason: 'on call, week 12' },
    });
    expect(exported.stderr).toContain('exported 2 audit events');
  });

  it('reads the same argument grammar as chat: Slack mentions, quoted role names, --flag=value, --as', async () => {
    const clock = new ManualClock('2026-12-01T09:00:00Z');
    const argv = ['assign', '<@U0BOB>', 'Global Administrator', '--active', '--until=2026-12-31T18:00Z', '--reason=break glass, "INC-7"', '--as=erin@example.com'];
    const r = await pim(argv, { clock });
    expect(r.stderr).not.toContain('pim assign:');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('assigned active Global Administrator at / for Bob (bob@example.com), until 2026-12-31T18:00:00.000Z');
    const events = jsonLines((await pim(['audit', 'export'])).stdout);
    expect(events.at(-1)?.details).toMatchObject({ principal: 'bob@example.com', reason: 'break glass, "INC-7"' });
  });

  it('refuses an actor who is not an admin, and audits the refusal', async () => {
    const r = await pim(['assign', 'bob@example.com', 'Owner', '--reason', 'on call', '--as', 'dave@example.com']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Only PIM admins can do that.');
    const events = jsonLines((await pim(['audit', 'export'])).stdout);
    expect(events.at(-1)).toMatchObject({ actor: 'dave@example.com', action: 'refused.assign', details: { code: 'not_admin', platform: 'cli' } });
  });

  it('explains bad usage with the usage line (exit 2) and unknown people or roles (exit 1)', async () => {
    const missing = await pim(['assign', 'bob@example.com']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('assign needs a role');
    expect(missing.stderr).toContain('usage: pim assign <user> <role>');

    const stranger = await pim(['assign', 'mallory@example.com', 'Owner']);
    expect(stranger.code).toBe(1);
    expect(stranger.stderr).toContain('"mallory@example.com" is not a user in the directory');

    const role = await pim(['assign', 'bob@example.com', 'Janitor']);
    expect(role.code).toBe(1);
    expect(role.stderr).toContain('There is no role called "Janitor"');
  });

  it('refuses assign and remove without a reason, and audits the refusal', async () => {
    const r = await pim(['assign', 'bob@example.com', 'Owner']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('assign needs a reason: add --reason "why"');
    expect((await pim(['remove', 'bob@example.com', 'Owner'])).stderr).toContain('remove needs a reason');
    const events = jsonLines((await pim(['audit', 'export'])).stdout);
    expect(events.filter((e) => e.action.startsWith('refused.')).map((e) => [e.action, e.details.code])).toEqual([
      ['refused.assign', 'reason_required'],
      ['refused.remove', 'reason_required'],
    ]);
  });

  it('removes an assignment, and says so when there is none left', async () => {
    expect((await pim(['assign', 'bob@example.com', 'Owner', '--reason', 'on call'])).code).toBe(0);
    const removed = await pim(['remove', 'bob@example.com', 'Owner', '--reason', 'rota ended']);
    expect(removed.code).toBe(0);
    expect(removed.stdout).toMatch(/^removed eligible Owner at \/subscriptions\/prod from Bob \(bob@example.com\) \[assignment [0-9a-f-]+\]\n$/);

    const again = await pim(['remove', 'bob@example.com', 'Owner', '--reason', 'rota ended']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('Bob has no assignment of Owner');
  });
});

describe('audit verify', () => {
  it('proves the chain, then names the first event altered or deleted behind its back', async () => {
    await pim(['assign', 'bob@example.com', 'Owner', '--reason', 'first']);
    await pim(['assign', 'dave@example.com', 'Owner', '--reason', 'second']);
    expect(await pim(['audit', 'verify'])).toMatchObject({ code: 0, stdout: 'audit chain ok: 3 events\n' });

    await database.db.execute(sql`update audit_events set details = jsonb_set(details, '{reason}', '"nothing to see"') where seq = 2`);
    const altered = await pim(['audit', 'verify']);
    expect(altered.code).toBe(1);
    expect(altered.stdout).toBe('');
    expect(altered.stderr).toContain('audit chain BROKEN at seq 2 (altered)');

    await database.db.execute(sql`delete from audit_events where seq <= 2`);
    const deleted = await pim(['audit', 'verify']);
    expect(deleted.code).toBe(1);
    expect(deleted.stderr).toContain('BROKEN at seq 1 (missing)');
  });
});

describe('review export', () => {
  it('writes every item of a review as CSV, and refuses an unknown review', async () => {
    const { buildCore } = await import('../../../src/core-factory.js');
    const { parsePimConfig } = await import('../../../src/config/pim-config.js');
    const { RecordProvider } = await import('../../../src/providers/record.js');
    const { testKeyRing } = await import('../../support/keys.js');
    const core = buildCore({ config: parsePimConfig(CONFIG, 'cli.pim.config.yaml', { env: {} }), database, clock: systemClock, platforms: () => ['slack'], keys: testKeyRing(), provider: new RecordProvider() });
    const erin = core.pim.actorFor('erin@example.com', 'cli');
    if ((await core.pim.myRoles(core.pim.actorFor('alice@example.com', 'cli'))).length === 0) await core.pim.bootstrap([{ principal: 'alice@example.com', role: 'Reader', type: 'eligible', endsAt: null }]);
    const { review, items } = await core.pim.startReview(erin, { role: 'Reader', reviewers: { kind: 'self' } });
    await core.pim.decideReviewItem(core.pim.actorFor('alice@example.com', 'cli'), items[0]?.id as string, 'keep', '=still on call');

    const r = await pim(['review', 'export', review.id.toLowerCase()]);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\r\n');
    expect(lines[0]).toBe('review,item,principal,role,scope,type,recommendation,recommendation_reason,reviewers,decision,decided_by,decided_at,reason,applied,applied_at');
    expect(lines[1]).toContain(`${review.id},${items[0]?.id},alice@example.com,Reader,/,eligible,remove,not activated in the last 30d,alice@example.com,keep,alice@example.com,`);
    expect(lines[1]).toContain(",'=still on call,,");
    expect(r.stderr).toContain(`exported 1 item of access review ${review.id} (open)`);
    expect((await pim(['review', 'export', 'V-NOPE'])).code).toBe(1);
  });
});

describe('audit export --csv', () => {
  it('writes a header and RFC 4180 records, defusing cells a spreadsheet would run as formulas', async () => {
    const store = new DrizzleStore(database.db, { clock: systemClock });
    const at = new Date('2026-03-01T10:00:00.000Z');
    const [evil, plain] = await store.transaction(async (uow) => [
      await uow.audit.append({ at, actor: '=HYPERLINK("http://evil.example","click")', action: '@SUM(A1:A9)', subject: '+cmd|calc\nsecond line', details: { note: 'a, b "c"' } }),
      await uow.audit.append({ at, actor: 'erin@example.com', action: 'assignment.created', subject: '-1', details: {} }),
    ]);

    const r = await pim(['audit', 'export', '--csv']);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\r\n');
    expect(lines[0]).toBe('seq,at,actor,action,subject,details,hash');
    expect(lines[1]).toBe(
      `1,2026-03-01T10:00:00.000Z,"'=HYPERLINK(""http://evil.example"",""click"")",'@SUM(A1:A9),"'+cmd|calc\nsecond line","{""note"":""a, b \\""c\\""""}",${evil?.hash}`,
    );

    const records = parseCsv(r.stdout);
    expect(records).toHaveLength(3);
    expect(records[1]).toEqual([
      '1',
      '2026-03-01T10:00:00.000Z',
      `'=HYPERLINK("http://evil.example","click")`,
      "'@SUM(A1:A9)",
      "'+cmd|calc\nsecond line",
      '{"note":"a, b \\"c\\""}',
      evil?.hash,
    ]);
    expect(records[2]).toEqual(['2', '2026-03-01T10:00:00.000Z', 'erin@example.com', 'assignment.created', "'-1", '{}', plain?.hash]);
  });

  it('guards every formula lead-in and quotes only what needs it', () => {
    expect(['=1+2', '+1', '-1', '@x', '\tx', '\rx'].map(csvCell)).toEqual(["'=1+2", "'+1", "'-1", "'@x", "'\tx", `"'\rx"`]);
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('x=1')).toBe('x=1');
    expect(csvCell(-5)).toBe('-5');
  });

  it('exports only events since a date or a duration ago', async () => {
    const store = new DrizzleStore(database.db, { clock: systemClock });
    await store.transaction(async (uow) => {
      await uow.audit.append({ at: new Date('2026-01-01T00:00:00Z'), actor: 'system', action: 'old', subject: 's', details: {} });
      await uow.audit.append({ at: new Date('2026-03-01T00:00:00Z'), actor: 'system', action: 'new', subject: 's', details: {} });
    });

    const byDate = await pim(['audit', 'export', '--since', '2026-02-01']);
    expect(jsonLines(byDate.stdout).map((e) => e.action)).toEqual(['new']);

    const clock = new ManualClock('2026-03-02T00:00:00Z');
    const byDuration = await pim(['audit', 'export', '--csv', '--since=2d'], { clock });
    expect(parseCsv(byDuration.stdout).map((row) => row[3])).toEqual(['action', 'new']);

    const bad = await pim(['audit', 'export', '--since', 'yesterday']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--since takes a duration like 7d or a date like 2026-01-31');
  });
});

describe('mfa and deadlines', () => {
  it('enrols a user and prints the otpauth URI, and its QR code for the terminal, audited; the secret is stored encrypted', async () => {
    const r = await pim(['mfa', 'enroll', 'alice@example.com']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^otpauth:\/\/totp\/pimbot:alice%40example\.com\?secret=[A-Z2-7]+&issuer=pimbot\S*\n$/);
    // The QR code goes to the person at the terminal (stderr): half blocks, black on white.
    expect(r.stderr).toContain('\x1b[30;47m');
    expect(r.stderr).toMatch(/[█▀▄]{7}/);
    const secret = /secret=([A-Z2-7]+)/.exec(r.stdout)?.[1] as string;
    const stored = JSON.stringify(rowsOf(await database.db.execute(sql`select * from mfa_secrets`)));
    expect(stored).not.toContain(secret);
    expect(stored).toMatch(/"secret":"v1\./);
    const events = jsonLines((await pim(['audit', 'export'])).stdout);
    expect(events.at(-1)).toMatchObject({ actor: 'erin@example.com', action: 'mfa.enrolled', subject: 'principal:alice@example.com' });
  });

  it('processes what is due now, once', async () => {
    const clock = new ManualClock('2026-01-05T09:00:00Z');
    expect((await pim(['assign', 'bob@example.com', 'Owner', '--active', '--for', '1h', '--reason', 'break glass'], { clock })).code).toBe(0);

    expect((await pim(['deadlines'], { clock })).stdout).toBe('deadlines processed: 0 expired, 0 timed out, 0 started, 0 warned\n');
    clock.advance(2 * 3600_000);
    expect((await pim(['deadlines'], { clock })).stdout).toBe('deadlines processed: 1 expired, 0 timed out, 0 started, 0 warned\n');
    expect((await pim(['deadlines'], { clock })).stdout).toBe('deadlines processed: 0 expired, 0 timed out, 0 started, 0 warned\n');
  });
});

describe('usage', () => {
  it('lists every command for help, on stdout with exit 0', async () => {
    const r = await pim(['help']);
    expect(r.code).toBe(0);
    for (const c of ['migrate', 'assign', 'remove', 'audit verify', 'audit export', 'mfa enroll', 'deadlines']) expect(r.stdout).toContain(`pim ${c}`);
  });

  it('answers an unknown or incomplete command with the usage and exit 2', async () => {
    const unknown = await pim(['frobnicate']);
    expect(unknown).toMatchObject({ code: 2, stdout: '' });
    expect(unknown.stderr).toContain('pim: unknown command "frobnicate"');
    expect(unknown.stderr).toContain('usage: pim <command> [options]');

    const half = await pim(['audit']);
    expect(half.code).toBe(2);
    expect(half.stderr).toContain('audit needs one of: verify, export');

    expect((await pim([])).code).toBe(2);
  });

  it('stops on a bad environment or a missing config, naming the key (exit 2)', async () => {
    const badEnv = await pim(['audit', 'verify'], { env: { ...env, PORT: 'eighty' } });
    expect(badEnv.code).toBe(2);
    expect(badEnv.stderr).toContain('PORT: expected an integer 1-65535');

    const noConfig = await pim(['deadlines'], { env: { PIM_CONFIG: join(dir, 'missing.yaml'), PIM_DEV_MODE: 'false' } });
    expect(noConfig.code).toBe(2);
    expect(noConfig.stderr).toContain('the file does not exist');
  });
});

describe('entry point', () => {
  it('runs as a program: npx tsx src/cli.ts help', async () => {
    const root = fileURLToPath(new URL('../../../', import.meta.url));
    const { stdout } = await promisify(execFile)('npx', ['tsx', 'src/cli.ts', 'help'], { cwd: root, timeout: 30_000 });
    expect(stdout).toContain('pim audit verify');
  });
});

/**
 * vitest globalSetup: provides a dump of a freshly migrated PGlite data directory, so each test
 * file loads it (~0.5 s) instead of running initdb and the migrations (~2-3 s). The dump is cached
 * under node_modules/.cache, keyed by the migrations and the PGlite version, so only the first run
 * after a migration change pays for building it. Does nothing when TEST_DATABASE_URL is set.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import type { TestProject } from 'vitest/node';
import { migrationsFolder, pgliteDatabase } from '../../src/db/client.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Path of a migrated PGlite data directory dump (uncompressed tar); unset: migrate fresh. */
    pimPgliteDump?: string;
  }
}

const root = fileURLToPath(new URL('../../', import.meta.url));
const cacheDir = join(root, 'node_modules', '.cache', 'pimbot-pglite');

export default async function setup(project: TestProject): Promise<void> {
  if (process.env.TEST_DATABASE_URL) return;
  const file = join(cacheDir, `${cacheKey()}.tar`);
  if (!existsSync(file)) await buildDump(file);
  project.provide('pimPgliteDump', file);
}

function cacheKey(): string {
  const hash = createHash('sha256');
  const pgliteVersion = (JSON.parse(readFileSync(join(root, 'node_modules/@electric-sql/pglite/package.json'), 'utf8')) as { version: string }).version;
  hash.update(pgliteVersion);
  const folder = migrationsFolder();
  for (const name of readdirSync(folder).filter((n) => n.endsWith('.sql')).sort()) {
    hash.update(name).update(readFileSync(join(folder, name)));
  }
  hash.update(readFileSync(join(folder, 'meta', '_journal.json')));
  return hash.digest('hex').slice(0, 16);
}

async function buildDump(file: string): Promise<void> {
  const pg = await PGlite.create();
  try {
    await pgliteDatabase(pg).migrate();
    // Uncompressed: loading a gzip dump costs ~0.25 s more per file than reading 40 MB.
    const dump = await pg.dumpDataDir('none');
    mkdirSync(cacheDir, { recursive: true });
    pruneOldDumps(file);
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, Buffer.from(await dump.arrayBuffer()));
    renameSync(tmp, file); // atomic: a concurrent run sees the whole file or none
  } finally {
    await pg.close();
  }
}

/** Dumps for older migrations, left a day for any run still using them. */
function pruneOldDumps(keep: string): void {
  const dayAgo = Date.now() - 24 * 3600_000;
  for (const name of readdirSync(cacheDir)) {
    const path = join(cacheDir, name);
    if (path !== keep && statSync(path).mtimeMs < dayAgo) rmSync(path, { force: true });
  }
}

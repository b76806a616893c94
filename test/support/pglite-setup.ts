/**
 * vitest globalSetup: builds one migrated PGlite per run and dumps its data directory to a temp
 * file, so each test file loads it (~0.5 s) instead of running initdb and migrations (~2-3 s).
 * Does nothing when TEST_DATABASE_URL is set (the tests use real PostgreSQL then).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { TestProject } from 'vitest/node';
import { pgliteDatabase } from '../../src/db/client.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Path of a migrated PGlite data directory dump (uncompressed tar); unset: migrate fresh. */
    pimPgliteDump?: string;
  }
}

export default async function setup(project: TestProject): Promise<(() => void) | undefined> {
  if (process.env.TEST_DATABASE_URL) return undefined;
  const pg = await PGlite.create();
  try {
    await pgliteDatabase(pg).migrate();
    // Uncompressed: loading a gzip dump costs ~0.25 s more per file than reading 40 MB.
    const dump = await pg.dumpDataDir('none');
    const dir = mkdtempSync(join(tmpdir(), 'pim-pglite-'));
    const file = join(dir, 'migrated.tar');
    writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
    project.provide('pimPgliteDump', file);
    return () => rmSync(dir, { recursive: true, force: true });
  } finally {
    await pg.close();
  }
}

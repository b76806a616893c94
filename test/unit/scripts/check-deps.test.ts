// scripts/check-deps.mjs on small trees: the core's one way in, and feature folders that keep to themselves.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const script = resolve(import.meta.dirname, '../../../scripts/check-deps.mjs');
const made: string[] = [];

/** Runs the check on a tree of `files` (path -> source); returns its exit code and what it printed. */
function check(files: Record<string, string>): { code: number | null; out: string } {
  const root = mkdtempSync(join(tmpdir(), 'check-deps-'));
  made.push(root);
  const base: Record<string, string> = {
    'src/core/index.ts': "export * from './types.js';\nexport { Pim } from './pim.js';\n",
    'src/core/types.ts': 'export type Id = string;\n',
    'src/core/pim.ts': "import * as approval from './approval/index.js';\nexport class Pim { a = approval; }\n",
    'src/core/shared/index.ts': "import type { Id } from '../types.js';\nexport const who = (id: Id) => id;\n",
    'src/core/approval/index.ts': "export { decide } from './decide.js';\n",
    'src/core/approval/decide.ts': "import { who } from '../shared/index.js';\nexport const decide = who;\n",
    'src/core/activation/index.ts': "import { decide } from '../approval/index.js';\nexport const activate = decide;\n",
    'src/core/digest/index.ts': 'export const digest = 1;\n',
    'adapters/slack/a.ts': "import type { Id } from '../../src/core/index.js';\nexport type A = Id;\n",
  };
  for (const [path, text] of Object.entries({ ...base, ...files })) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  const run = spawnSync(process.execPath, [script, root], { encoding: 'utf8' });
  return { code: run.status, out: run.stdout + run.stderr };
}

afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('check-deps: the core has one way in', () => {
  it('passes a tree that imports the core through src/core/index.js only', () => {
    expect(check({}).code).toBe(0);
  });

  it('fails a deep import into a feature folder from an adapter', () => {
    const r = check({ 'adapters/slack/b.ts': "import { decide } from '../../src/core/approval/decide.js';\nexport const b = decide;\n" });
    expect(r.code).toBe(1);
    expect(r.out).toContain('adapters/slack/b.ts: imports ../../src/core/approval/decide.js');
  });

  it("fails an import of one of the core's modules other than index.js from another layer", () => {
    const r = check({ 'src/jobs/j.ts': "import type { Id } from '../core/types.js';\nexport type J = Id;\n" });
    expect(r.code).toBe(1);
    expect(r.out).toContain('src/jobs/j.ts: imports ../core/types.js');
  });
});

describe('check-deps: features keep to themselves', () => {
  it("fails a feature importing an allowed feature's internals rather than its index.ts", () => {
    const r = check({ 'src/core/activation/x.ts': "import { decide } from '../approval/decide.js';\nexport const x = decide;\n" });
    expect(r.code).toBe(1);
    expect(r.out).toContain("approval/'s internals");
  });

  it('fails a feature calling a feature the guide does not allow, even through its index.ts', () => {
    const r = check({ 'src/core/digest/x.ts': "import { decide } from '../approval/index.js';\nexport const x = decide;\n" });
    expect(r.code).toBe(1);
    expect(r.out).toContain('core feature digest/ may not call approval/');
  });

  it('fails shared/ depending on a feature', () => {
    const r = check({ 'src/core/shared/x.ts': "import { digest } from '../digest/index.js';\nexport const x = digest;\n" });
    expect(r.code).toBe(1);
    expect(r.out).toContain('shared/ must not depend on a feature');
  });

  it('fails the domain model depending on a feature', () => {
    const r = check({ 'src/core/policy.ts': "import { digest } from './digest/index.js';\nexport const p = digest;\n" });
    expect(r.code).toBe(1);
    expect(r.out).toContain("domain model must not depend on a feature");
  });
});

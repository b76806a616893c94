#!/usr/bin/env node
// Enforces docs/ARCHITECTURE.md's one-way dependency rule on every import in the tree, including dynamic
// imports and `import type`, which lint patterns can miss. Exits 1 listing each violation.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');

/** layer -> layers and packages it must not reach. */
const RULES = [
  { from: 'src/core/', deny: ['adapters/', 'cards/', 'src/db/', 'src/jobs/', 'src/providers/', 'src/config/', 'src/mfa/', 'src/main', '@slack/', 'botbuilder', 'drizzle-orm', 'postgres', '@electric-sql/', 'pino', 'node-cron', 'node:', 'fs', 'http'] },
  { from: 'src/commands/', deny: ['adapters/', 'cards/', 'src/db/', 'src/jobs/', '@slack/', 'botbuilder', 'drizzle-orm'] },
  { from: 'cards/', deny: ['adapters/', 'src/db/', 'src/jobs/', 'src/providers/', '@slack/', 'botbuilder', 'drizzle-orm', 'postgres', '@electric-sql/'] },
  { from: 'adapters/slack/', deny: ['src/db/', 'adapters/teams/', 'adapters/playground/', 'botbuilder'] },
  { from: 'adapters/teams/', deny: ['src/db/', 'adapters/slack/', 'adapters/playground/', '@slack/'] },
  { from: 'adapters/playground/', deny: ['src/db/', 'adapters/slack/', '@slack/'] },
  { from: 'src/db/', deny: ['adapters/', 'cards/'] },
  { from: 'src/jobs/', deny: ['adapters/', 'cards/'] },
  { from: 'src/providers/', deny: ['adapters/', 'cards/', 'src/db/'] },
];
const SOURCE_CLOCK = /Date\.now\(\)|new Date\(\)|process\.env/;

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* files(p);
    else if (/\.(ts|mts|js|mjs)$/.test(name) && !name.endsWith('.d.ts')) yield p;
  }
}

const IMPORT = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g;
const problems = [];
for (const top of ['src', 'cards', 'adapters']) {
  let exists = true;
  try { statSync(join(root, top)); } catch { exists = false; }
  if (!exists) continue;
  for (const file of files(join(root, top))) {
    const rel = relative(root, file).split('\\').join('/');
    const rules = RULES.filter((r) => rel.startsWith(r.from));
    if (rules.length === 0) continue;
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2] ?? m[3];
      const target = spec.startsWith('.') ? relative(root, resolve(dirname(file), spec)).split('\\').join('/') : spec;
      for (const r of rules) {
        const hit = r.deny.find((d) => (spec.startsWith('.') ? target.startsWith(d) || target === d.replace(/\/$/, '') : spec === d || spec.startsWith(d)));
        if (hit) problems.push(`${rel}: imports ${spec} (${r.from} must not reach ${hit})`);
      }
    }
    if (rel.startsWith('src/core/')) {
      text.split('\n').forEach((line, i) => {
        if (SOURCE_CLOCK.test(line) && !line.trim().startsWith('//') && !line.trim().startsWith('*')) {
          problems.push(`${rel}:${i + 1}: the core reads the real clock or environment (${line.trim()})`);
        }
      });
    }
  }
}
if (problems.length) {
  console.error(`Dependency rule broken (docs/ARCHITECTURE.md, "Layout and dependency rule"):\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log('dependency rule: ok');

#!/usr/bin/env node
// Enforces docs/ARCHITECTURE.md's one-way dependency rule on every import in the tree, including dynamic
// imports and `import type`, which lint patterns can miss. Exits 1 listing each violation.
// Usage: node scripts/check-deps.mjs [root] (default: this repository).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = process.argv[2] ? resolve(process.argv[2]) : resolve(dirname(new URL(import.meta.url).pathname), '..');

/**
 * Calls one core feature may make into another, always through that feature's index.ts (its
 * public surface). Anything else a feature needs from a sibling belongs in src/core/shared/.
 * Keep this table and docs/ARCHITECTURE.md ("Feature folders") the same.
 */
const FEATURE_CALLS = {
  activation: ['approval'],
  deadlines: ['approval'],
};

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
const CORE = 'src/core/';

/** The core's own rules: one way in from outside, and features that keep to themselves. */
function coreProblems(rel, spec, target) {
  if (!spec.startsWith('.') || !(target + '/').startsWith(CORE)) return [];
  if (!rel.startsWith(CORE)) {
    if (target === 'src/core/index.js' || target === 'src/core/index.ts' || target === 'src/core/index') return [];
    return [`${rel}: imports ${spec} (outside the core, import src/core/index.js only)`];
  }
  const from = rel.slice(CORE.length).split('/');
  const to = target.slice(CORE.length).split('/');
  const fromFeature = from.length > 1 ? from[0] : null;
  const toFeature = to.length > 1 ? to[0] : null;
  if (!toFeature || toFeature === fromFeature) return [];
  if (toFeature === 'shared') return [];
  if (fromFeature === null) {
    // The facade and the index wire the features together; the domain model never reaches them.
    if (['pim.ts', 'index.ts'].includes(from[0]) && to[1]?.startsWith('index.')) return [];
    return [`${rel}: imports ${spec} (the core's domain model must not depend on a feature; pim.ts and index.ts reach features through their index.ts)`];
  }
  if (fromFeature === 'shared') return [`${rel}: imports ${spec} (shared/ must not depend on a feature)`];
  if (!(FEATURE_CALLS[fromFeature] ?? []).includes(toFeature)) {
    return [`${rel}: imports ${spec} (core feature ${fromFeature}/ may not call ${toFeature}/; share it through shared/, or allow the call in docs/ARCHITECTURE.md and FEATURE_CALLS)`];
  }
  if (!to[1]?.startsWith('index.')) return [`${rel}: imports ${spec} (${toFeature}/'s internals; import ${toFeature}/index.js)`];
  return [];
}

for (const top of ['src', 'cards', 'adapters', 'bench']) {
  let exists = true;
  try { statSync(join(root, top)); } catch { exists = false; }
  if (!exists) continue;
  for (const file of files(join(root, top))) {
    const rel = relative(root, file).split('\\').join('/');
    const rules = RULES.filter((r) => rel.startsWith(r.from));
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2] ?? m[3];
      const target = spec.startsWith('.') ? relative(root, resolve(dirname(file), spec)).split('\\').join('/') : spec;
      problems.push(...coreProblems(rel, spec, target));
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

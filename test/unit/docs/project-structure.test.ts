// README's "Project structure" keeps up with the tree: every folder a newcomer would look for is named there.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../../..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf('## Project structure'), readme.indexOf('## Testing'));
const block = section.slice(section.indexOf('```') + 3, section.lastIndexOf('```'));

const dirs = (dir: string): string[] =>
  readdirSync(join(root, dir)).filter((n) => !n.startsWith('.') && n !== 'node_modules' && statSync(join(root, dir, n)).isDirectory());

/** The names the block lists at one indentation under `parent` (a line per entry, `name/ ...`). */
function listed(indent: number): Set<string> {
  const names = new Set<string>();
  for (const line of block.split('\n')) {
    const m = new RegExp(`^ {${indent}}([A-Za-z.][\\w.-]*)/`).exec(line);
    if (m?.[1]) names.add(m[1]);
  }
  return names;
}

describe("README's project structure", () => {
  it('names every source folder at the top of the repository', () => {
    const top = dirs('.').filter((d) => !['dist', 'coverage', 'test-results'].includes(d));
    const shown = listed(0);
    expect(top.filter((d) => !shown.has(d))).toEqual([]);
  });

  it('names every folder of src/ and every feature folder of src/core/', () => {
    const shown = listed(2);
    expect(dirs('src').filter((d) => !shown.has(d))).toEqual([]);
    const features = listed(4);
    expect(dirs('src/core').filter((d) => !features.has(d))).toEqual([]);
  });
});

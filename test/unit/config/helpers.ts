import { ConfigError } from '../../../src/config/errors.js';
import { parsePimConfig, type PimConfig } from '../../../src/config/pim-config.js';

export const SOURCE = 'pim.config.yaml';

/** Parses config text with an empty environment. */
export const parse = (yaml: string, env: Record<string, string | undefined> = {}): PimConfig =>
  parsePimConfig(yaml, SOURCE, { env });

/** The problems a config is refused with, without the `(line n)` hints. */
export function problemsOf(yaml: string, env: Record<string, string | undefined> = {}): string[] {
  try {
    parse(yaml, env);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.map((p) => p.replace(/ \(line \d+\)$/, ''));
    throw e;
  }
  throw new Error('expected parsePimConfig to throw a ConfigError');
}

/** A small valid config to vary in tests. */
export const BASE = `
directory:
  users:
    - { id: alice@example.com, name: Alice, slack: U0ALICE }
    - { id: 3f1c2a9e-0000-4000-8000-000000000001, name: Bob, email: bob@example.com, teams: 3F1C2A9E-0000-4000-8000-0000000000B0 }
  groups:
    - { id: leads, members: [alice@example.com] }
channels:
  approvals: { slack: C0APPROVALS }
  security: { teams: "19:sec@thread.tacv2" }
`;

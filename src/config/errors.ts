/** Configuration errors: every problem found, each naming the key and what was expected. */

export class ConfigError extends Error {
  /** One line per problem, e.g. `PORT: expected an integer 1-65535, got "abc"`. */
  readonly problems: readonly string[];

  constructor(summary: string, problems: string[]) {
    super(`${summary}\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export function isConfigError(e: unknown): e is ConfigError {
  return e instanceof ConfigError;
}

/** A value as it appears in an error message: strings quoted, long values cut. */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (typeof value === 'object') return 'a mapping';
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

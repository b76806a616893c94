/** `runCli`: finds the command, runs it in a session, and turns every failure into a message and an exit status. */
import { isConfigError } from '../config/errors.js';
import { isPimError } from '../core/index.js';
import { DatabaseBusyError } from '../db/pglite-lock.js';
import { UsageError } from './args.js';
import { COMMANDS, usageOf, type CliCommand } from './commands.js';
import { CliError, CliSession, type CliIo } from './session.js';

export type { CliIo } from './session.js';

/** Exit statuses. */
export const EXIT = {
  ok: 0,
  /** Refused by a rule, a broken audit chain, or an error while running. */
  failed: 1,
  /** Bad usage, or an env / config that is not valid. */
  usage: 2,
} as const;

/** The help text: every command with its usage and what it does. */
export function cliHelp(): string {
  const lines = [
    "pim: pimbot's admin command line",
    '',
    'usage: pim <command> [options]        (from a checkout: npm run pim -- <command> [options])',
    '',
    'commands:',
    ...COMMANDS.flatMap((c) => [`  ${usageOf(c)}`, `      ${c.summary}`]),
    '  pim help',
    '      this text',
    '',
    'pim reads DATABASE_URL (or PGLITE_DIR) and PIM_CONFIG as the bot does, and changes things through',
    'the same core: each change is checked against the policy and audited, and its notices are queued',
    'for the bot to deliver. --as names the acting admin (default: the first admin in the config).',
    'With embedded PGlite, stop the bot first: only one process may open PGLITE_DIR (pim refuses while it is open).',
    'Exit status: 0 done; 1 refused or failed; 2 bad usage or configuration.',
    '',
  ];
  return lines.join('\n');
}

const HELP_WORDS = new Set(['help', '--help', '-h']);

/** The command `argv` names (one word, or two for `audit verify`), and the arguments after it. */
function find(argv: readonly string[]): { command: CliCommand; args: string[] } | null {
  const [first = '', second = ''] = argv.map((a) => a.toLowerCase());
  const two = COMMANDS.find((c) => c.name === `${first} ${second}`);
  if (two) return { command: two, args: argv.slice(2) };
  const one = COMMANDS.find((c) => c.name === first);
  return one ? { command: one, args: argv.slice(1) } : null;
}

/**
 * Runs one command: `argv` without the program name, e.g. `['audit', 'verify']`. Output goes to
 * `io.stdout`, messages and errors to `io.stderr`. Never throws; resolves to the exit status.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [first] = argv;
  if (first === undefined) {
    io.stderr.write(cliHelp());
    return EXIT.usage;
  }
  if (HELP_WORDS.has(first.toLowerCase())) {
    io.stdout.write(cliHelp());
    return EXIT.ok;
  }
  const found = find(argv);
  if (!found) {
    const group = COMMANDS.filter((c) => c.name.startsWith(`${first.toLowerCase()} `));
    const what = group.length > 0 ? `${first} needs one of: ${group.map((c) => c.name.split(' ')[1]).join(', ')}` : `unknown command ${JSON.stringify(argv.slice(0, 2).join(' '))}`;
    io.stderr.write(`pim: ${what}\n\n${cliHelp()}`);
    return EXIT.usage;
  }
  const { command, args } = found;
  if (args.some((a) => HELP_WORDS.has(a) && a !== 'help')) {
    io.stdout.write(`usage: ${usageOf(command)}\n  ${command.summary}\n`);
    return EXIT.ok;
  }

  let session: CliSession | null = null;
  try {
    session = new CliSession(io);
    return await command.run(args, session);
  } catch (e) {
    return report(e, command, io);
  } finally {
    try {
      await session?.close();
    } catch (e) {
      io.stderr.write(`pim: could not close the database cleanly: ${messageOf(e)}\n`);
    }
  }
}

function report(e: unknown, command: CliCommand, io: CliIo): number {
  const say = (text: string) => io.stderr.write(`pim ${command.name}: ${text}\n`);
  if (e instanceof UsageError) {
    say(e.message);
    io.stderr.write(`usage: ${e.usage ?? usageOf(command)}\n`);
    return EXIT.usage;
  }
  if (isConfigError(e)) {
    say(e.message);
    return EXIT.usage;
  }
  if (isPimError(e) || e instanceof CliError || e instanceof DatabaseBusyError) {
    say(e.message);
    return EXIT.failed;
  }
  if (hasCode(e, '42P01')) {
    say('the database has no pimbot tables yet; run `pim migrate` first');
    return EXIT.failed;
  }
  say(`failed: ${messageOf(e)}`);
  return EXIT.failed;
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** True when `e` or an error it wraps (drizzle wraps driver errors) carries this SQLSTATE. */
function hasCode(e: unknown, code: string): boolean {
  for (let cur: unknown = e, depth = 0; cur && depth < 5; cur = (cur as { cause?: unknown }).cause, depth++) {
    if (typeof cur === 'object' && (cur as { code?: unknown }).code === code) return true;
  }
  return false;
}

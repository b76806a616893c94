/**
 * What one CLI command runs with: the validated env, and (opened only when the command needs
 * them) the database, the config and the core, built exactly as the bot builds them.
 */
import { systemClock } from '../clock.js';
import { parseCommand, type Command, type UserRef } from '../commands/index.js';
import { loadEnv, type Env } from '../config/env.js';
import { loadPimConfig, type PimConfig } from '../config/pim-config.js';
import { applyBootstrap, buildCore, type Core } from '../core-factory.js';
import { type Actor, type Clock, isPimError, type Principal } from '../core/index.js';
import { openDatabase, type Database } from '../db/client.js';
import { toCommandText, UsageError } from './args.js';

/** Where a command reads its environment and writes its output. */
export interface CliIo {
  /** The environment to read (`process.env` for the real process). */
  env: Record<string, string | undefined>;
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
  /** An open, migrated database to use instead of opening one from env (tests); never closed here. */
  database?: Database;
  clock?: Clock;
}

/** A command that could not be done, for a reason the message gives; exit status 1. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

export class CliSession {
  readonly env: Env;
  readonly clock: Clock;
  private db: Database | null = null;
  private cfg: PimConfig | null = null;
  private built: Core | null = null;

  /** Throws ConfigError when the environment is not valid. */
  constructor(private readonly io: CliIo) {
    this.env = loadEnv(io.env);
    this.clock = io.clock ?? systemClock;
  }

  /** A line of the command's result, on stdout. */
  out(line: string): void {
    this.io.stdout.write(`${line}\n`);
  }

  /** Raw output (exports), on stdout. */
  write(chunk: string): void {
    this.io.stdout.write(chunk);
  }

  /** A message for the person at the terminal, on stderr. */
  note(line: string): void {
    this.io.stderr.write(`pim: ${line}\n`);
  }

  /** Raw output for the person at the terminal (a QR code), on stderr. */
  raw(chunk: string): void {
    this.io.stderr.write(chunk);
  }

  /** The database from DATABASE_URL, else PGlite in PGLITE_DIR, as the bot opens it. */
  async database(): Promise<Database> {
    if (this.io.database) return this.io.database;
    this.db ??= await openDatabase(this.env.databaseUrl ? { url: this.env.databaseUrl, maxConnections: 2 } : { pgliteDir: this.env.pgliteDir });
    return this.db;
  }

  /** pim.config.yaml as the bot loads it: the demo config only when PIM_CONFIG is unset (or in dev mode). */
  async config(): Promise<PimConfig> {
    if (!this.cfg) {
      const explicit = (this.io.env.PIM_CONFIG ?? '').trim() !== '';
      this.cfg = await loadPimConfig(this.env.pimConfig, undefined, { demoWhenMissing: !explicit || this.env.devMode, env: this.io.env });
      if (this.cfg.isDemo) this.note(`no config at ${this.env.pimConfig}: using the demo config`);
    }
    return this.cfg;
  }

  async core(): Promise<Core> {
    if (!this.built) {
      const config = await this.config();
      this.built = buildCore({ env: this.env, config, database: await this.database(), clock: this.clock });
    }
    return this.built;
  }

  /**
   * Applies the config's bootstrap assignments when the database has none, as the bot does at
   * start. Commands that write assignments call it first, so an assignment made here before the
   * bot ever ran does not stop the bootstrap from being applied.
   */
  async bootstrap(): Promise<void> {
    const { pim } = await this.core();
    const n = await applyBootstrap(pim, await this.config(), this.clock);
    if (n > 0) this.note(`the database had no assignments: applied ${n} bootstrap assignment${n === 1 ? '' : 's'} from the config first`);
  }

  /** The admin acting: `--as`, else the first admin in the config. */
  async admin(as: string | undefined): Promise<Actor> {
    const { pim } = await this.core();
    const config = await this.config();
    const id = as ?? pim.directory.adminIds()[0];
    if (id === undefined) throw new UsageError(`${config.source} names no admins; say who is acting with --as <admin>`);
    let principal: Principal;
    try {
      principal = pim.directory.require(id);
    } catch {
      throw new CliError(`--as ${JSON.stringify(id)} is not a user in the directory of ${config.source}`);
    }
    return pim.actorFor(principal.id, 'cli');
  }

  /** A user named on the command line, resolved against the directory. */
  async principal(ref: UserRef): Promise<Principal> {
    const { pim } = await this.core();
    try {
      return ref.kind === 'slack' ? pim.resolve('slack', ref.id) : pim.directory.find(ref.id);
    } catch (e) {
      if (isPimError(e) && ['unknown_user', 'no_such_user', 'ambiguous_user', 'ambiguous_user_ref'].includes(e.code)) {
        const what = e.code === 'unknown_user' || e.code === 'no_such_user' ? 'is not a user' : 'matches more than one user';
        throw new CliError(`${JSON.stringify(ref.id)} ${what} in the directory of ${(await this.config()).source}`);
      }
      throw e;
    }
  }

  /** Reads `words` with the chat command grammar, so the CLI and chat take the same arguments. */
  chatCommand<N extends Command['name']>(name: N, words: readonly string[], usage: string): Extract<Command, { name: N }> {
    const parsed = parseCommand(toCommandText([name, ...words]), { now: this.clock.now(), isAdmin: true });
    if (!parsed.ok) throw new UsageError(parsed.error.message, usage);
    if (parsed.command.name !== name) throw new UsageError(`could not read the ${name} command`, usage);
    return parsed.command as Extract<Command, { name: N }>;
  }

  /** Closes the database if this session opened it. */
  async close(): Promise<void> {
    const db = this.db;
    this.db = null;
    if (db) await db.close();
  }
}

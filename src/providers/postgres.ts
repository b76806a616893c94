/**
 * PostgreSQL grants: a role maps to a PostgreSQL role (`roles[].target`), a principal to a login
 * (`directory.users[].postgres`). Grant is `GRANT <role> TO <login>`, revoke `REVOKE <role> FROM
 * <login>`; both are idempotent in PostgreSQL itself (granting a membership held, or revoking one
 * not held, is a notice, not an error). A revoked membership does not end a session that already
 * ran `SET ROLE`, so `terminateSessions` also ends the login's sessions on revoke.
 */
import postgres from 'postgres';
import { DeliveryError } from '../core/index.js';
import type { RoutedGrant, TargetProvider } from './routing.js';

export const DEFAULT_POSTGRES_TIMEOUT_MS = 10_000;

export interface PostgresProviderOptions {
  /** Connection URL of the target server (from the env key `urlEnv` names); never logged. */
  url: string;
  /** End the login's sessions when a membership is revoked (default false). */
  terminateSessions?: boolean;
  /** Per statement and for connecting (default 10 s). */
  timeoutMs?: number;
}

/** `"name"` with embedded quotes doubled: any string is then one identifier, never SQL. */
export function quoteIdent(name: string): string {
  if (name.length === 0 || name.includes('\0')) throw new Error('a PostgreSQL identifier must be non-empty and hold no NUL');
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * SQLSTATE classes that retrying cannot fix: the role or login does not exist (42704), the bot
 * lacks the privilege (42501), a role spec is invalid (0P), the login is refused (28).
 */
const PERMANENT = /^(42|0P|28|22)/;

export class PostgresProvider implements TargetProvider {
  readonly name = 'postgres';
  readonly inline = false;
  readonly identity = 'postgres' as const;
  private readonly sql: postgres.Sql;
  private readonly terminate: boolean;
  private readonly host: string;

  constructor(options: PostgresProviderOptions) {
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      throw new Error('postgres provider: the connection URL is not a valid URL');
    }
    const timeoutMs = options.timeoutMs ?? DEFAULT_POSTGRES_TIMEOUT_MS;
    this.host = url.host;
    this.terminate = options.terminateSessions ?? false;
    this.sql = postgres(options.url, {
      max: 2,
      idle_timeout: 30,
      connect_timeout: Math.max(1, Math.ceil(timeoutMs / 1000)),
      connection: { statement_timeout: timeoutMs, application_name: 'pimbot' },
      onnotice: () => undefined,
    });
  }

  async grant(g: RoutedGrant): Promise<void> {
    const { role, login } = this.names(g);
    await this.run(`grant ${g.target} to ${login}`, () => this.sql.unsafe(`GRANT ${quoteIdent(role)} TO ${quoteIdent(login)}`));
  }

  async revoke(g: RoutedGrant): Promise<void> {
    const { role, login } = this.names(g);
    await this.run(`revoke ${g.target} from ${login}`, () => this.sql.unsafe(`REVOKE ${quoteIdent(role)} FROM ${quoteIdent(login)}`));
    if (this.terminate) {
      await this.run(`end the sessions of ${login}`, () =>
        this.sql`select pg_terminate_backend(pid) from pg_stat_activity where usename = ${login} and pid <> pg_backend_pid()`,
      );
    }
  }

  /** The logins that are members of the role now (pg_auth_members); none when the role does not exist. */
  async list(target: string | null): Promise<string[]> {
    if (target === null) return [];
    const rows = await this.run(`list the members of ${target}`, () =>
      this.sql<{ member: string }[]>`
        select m.rolname as member
        from pg_auth_members am
        join pg_roles r on r.oid = am.roleid
        join pg_roles m on m.oid = am.member
        where r.rolname = ${target}
        order by 1`,
    );
    return [...new Set(rows.map((r) => r.member))];
  }

  async close(): Promise<void> {
    await this.sql.end({ timeout: 5 });
  }

  private names(g: RoutedGrant): { role: string; login: string } {
    if (g.target === null || g.identity === null) {
      throw new DeliveryError(`postgres: ${g.role} at ${g.scope} has no target role or ${g.principalId} no login`, undefined, true);
    }
    return { role: g.target, login: g.identity };
  }

  private async run<T>(what: string, statement: () => Promise<T>): Promise<T> {
    try {
      return await statement();
    } catch (err) {
      const e = err as { code?: unknown; message?: unknown };
      const code = typeof e.code === 'string' ? e.code : '';
      const message = typeof e.message === 'string' ? e.message : String(err);
      // The host only: the URL carries the password.
      throw new DeliveryError(`postgres ${what} on ${this.host} failed: ${message}${code ? ` (${code})` : ''}`, undefined, PERMANENT.test(code));
    }
  }
}

/**
 * A scratch target for the postgres grant provider on the test server (TEST_DATABASE_URL): a
 * database of its own, a NOLOGIN role to grant with a table only it may read, a bot login with
 * CREATEROLE (and pg_signal_backend, to end sessions) and user logins. Names carry a random tag,
 * so runs never meet; `drop()` removes all of it.
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';

export interface PgTarget {
  /** The bot's URL: what the provider's urlEnv holds. */
  botUrl: string;
  /** The role PIM grants, and the logins it is granted to. */
  role: string;
  logins: string[];
  /** A connection as `login`; close it with `.end()`. */
  connectAs(login: string): postgres.Sql;
  /** A superuser connection to the scratch database (to check and to tamper). */
  admin: postgres.Sql;
  drop(): Promise<void>;
}

export async function createPgTarget(serverUrl: string, loginNames: string[]): Promise<PgTarget> {
  const tag = `pim_e2e_${randomBytes(4).toString('hex')}`;
  const role = `${tag}_admin`;
  const bot = `${tag}_bot`;
  const logins = loginNames.map((n) => `${tag}_${n}`);
  const database = tag;
  const server = postgres(serverUrl, { max: 1, onnotice: () => undefined });
  await server.unsafe(`create database "${database}"`);
  await server.unsafe(`create role "${role}" nologin`);
  await server.unsafe(`create role "${bot}" login createrole`);
  await server.unsafe(`grant pg_signal_backend to "${bot}"`);
  for (const l of logins) await server.unsafe(`create role "${l}" login`);
  const url = (user: string): string => {
    const u = new URL(serverUrl);
    u.username = user;
    u.password = '';
    u.pathname = `/${database}`;
    return u.toString();
  };
  const admin = postgres(url(new URL(serverUrl).username || 'postgres'), { max: 2, onnotice: () => undefined });
  await admin.unsafe(`create table secrets (v text); insert into secrets values ('the crown jewels'); revoke all on secrets from public; grant select on secrets to "${role}"`);
  const opened: postgres.Sql[] = [];
  return {
    botUrl: url(bot),
    role,
    logins,
    admin,
    connectAs(login) {
      const sql = postgres(url(login), { max: 1, onnotice: () => undefined, idle_timeout: 5 });
      opened.push(sql);
      return sql;
    },
    async drop() {
      await Promise.allSettled(opened.map((s) => s.end({ timeout: 1 })));
      await admin.end({ timeout: 1 });
      await server.unsafe(`drop database if exists "${database}" with (force)`);
      for (const r of [...logins, bot, role]) await server.unsafe(`drop role if exists "${r}"`);
      await server.end({ timeout: 1 });
    },
  };
}

import { describe, expect, it } from 'vitest';
import { DeliveryError } from '../../../src/core/ports.js';
import { PostgresProvider, quoteIdent } from '../../../src/providers/index.js';

describe('quoteIdent', () => {
  it('quotes a name so it is one identifier whatever it holds', () => {
    expect(quoteIdent('app_admin')).toBe('"app_admin"');
    expect(quoteIdent('Robert"; DROP ROLE x; --')).toBe('"Robert""; DROP ROLE x; --"');
  });

  it('refuses an empty name and a NUL', () => {
    expect(() => quoteIdent('')).toThrow();
    expect(() => quoteIdent('a\0b')).toThrow();
  });
});

describe('PostgresProvider failures', () => {
  it('a server that cannot be reached is retried, and the message names the host, never the password', async () => {
    const p = new PostgresProvider({ url: 'postgres://bot:hunter2@127.0.0.1:1/app', timeoutMs: 1000 });
    const g = { assignmentId: 'a', principalId: 'alice@example.com', role: 'Db', scope: '/', endsAt: null, requestId: null, target: 'app_admin', identity: 'alice' };
    const err = (await p.grant(g).catch((e: unknown) => e)) as DeliveryError;
    expect(err).toBeInstanceOf(DeliveryError);
    expect(err.permanent).toBe(false);
    expect(err.message).toContain('127.0.0.1:1');
    expect(err.message).not.toContain('hunter2');
    await p.close();
  });
});

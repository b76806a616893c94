/** SlackIdentity: a Slack user becomes a principal by Slack id, else by profile e-mail, else is refused. */
import { describe, expect, it, vi } from 'vitest';
import { SlackIdentity } from '../../../../adapters/slack/identity.js';
import { Directory } from '../../../../src/core/directory.js';
import type { Pim } from '../../../../src/core/pim.js';

const directory = new Directory(
  [
    { id: 'alice@example.com', name: 'Alice', kind: 'user', slack: 'U0ALICE' },
    { id: 'dora@example.com', name: 'Dora', kind: 'user' },
    { id: 'twin1', name: 'Twin 1', kind: 'user', slack: 'U0TWIN' },
    { id: 'twin2', name: 'Twin 2', kind: 'user', slack: 'U0TWIN' },
  ],
  [],
  [],
);
const pim = { resolve: (platform: 'slack' | 'teams', id: string, email?: string) => directory.resolve(platform, id, email) } as unknown as Pim;
const logger = { warn: vi.fn() };

function identity(lookupEmail: (id: string) => Promise<string | null>, at = { t: 0 }) {
  return new SlackIdentity({ pim, clock: { now: () => new Date(at.t) }, lookupEmail, logger, cacheMs: 60_000 });
}

describe('SlackIdentity', () => {
  it('resolves a bound Slack id without asking Slack', async () => {
    const lookup = vi.fn(async () => null);
    const who = await identity(lookup).resolve('U0ALICE');
    expect(who).toEqual({ ok: true, actor: { principal: expect.objectContaining({ id: 'alice@example.com' }), platform: 'slack' } });
    expect(lookup).not.toHaveBeenCalled();
  });

  it('falls back to the profile e-mail, remembering it for a while', async () => {
    const at = { t: 0 };
    const lookup = vi.fn(async () => 'DORA@example.com');
    const id = identity(lookup, at);
    expect(await id.resolve('U0DORA')).toMatchObject({ ok: true, actor: { principal: { id: 'dora@example.com' } } });
    await id.resolve('U0DORA');
    expect(lookup).toHaveBeenCalledTimes(1);
    at.t = 61_000;
    await id.resolve('U0DORA');
    expect(lookup).toHaveBeenCalledTimes(2);
  });

  it('asks Slack once for concurrent requests of the same user', async () => {
    const lookup = vi.fn(async () => 'dora@example.com');
    const id = identity(lookup);
    await Promise.all([id.resolve('U0DORA'), id.resolve('U0DORA'), id.resolve('U0DORA')]);
    expect(lookup).toHaveBeenCalledTimes(1);
  });

  it('refuses a user with no binding and no matching e-mail, telling them to ask a PIM admin', async () => {
    for (const email of [null, 'someone@example.com']) {
      const who = await identity(async () => email).resolve('U0NOBODY');
      expect(who).toEqual({ ok: false, message: expect.stringContaining('Ask a PIM admin') });
    }
  });

  it('refuses a Slack id bound to two principals', async () => {
    expect(await identity(async () => null).resolve('U0TWIN')).toEqual({ ok: false, message: expect.stringContaining('more than one person') });
  });

  it('says when the profile could not be read, and does not remember the failure', async () => {
    const lookup = vi.fn().mockRejectedValueOnce(new Error('socket hang up')).mockResolvedValue('dora@example.com');
    const id = identity(lookup);
    expect(await id.resolve('U0DORA')).toEqual({ ok: false, message: expect.stringContaining('could not read your Slack profile') });
    expect(await id.resolve('U0DORA')).toMatchObject({ ok: true });
  });
});

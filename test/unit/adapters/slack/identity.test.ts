/**
 * SlackIdentity: a Slack user becomes a principal by Slack id, else by a confirmed profile e-mail
 * of a principal with no Slack id of its own (when the config names its workspace), else is refused.
 */
import { describe, expect, it, vi } from 'vitest';
import { SlackIdentity, type ProfileEmail } from '../../../../adapters/slack/identity.js';
import { Directory, type Pim } from '../../../../src/core/index.js';

const directory = new Directory(
  [
    { id: 'alice@example.com', name: 'Alice', kind: 'user', slack: 'U0ALICE' },
    { id: 'dora@example.com', name: 'Dora', kind: 'user' },
    { id: 'erin@example.com', name: 'Erin', kind: 'user', slack: 'U0ERIN' },
    { id: 'twin1', name: 'Twin 1', kind: 'user', slack: 'U0TWIN' },
    { id: 'twin2', name: 'Twin 2', kind: 'user', slack: 'U0TWIN' },
  ],
  [],
  [],
);
const refusals: { platformId: string; code: string; details: Record<string, unknown> }[] = [];
const pim = {
  resolve: (platform: 'slack' | 'teams', id: string, email?: string) => directory.resolve(platform, id, email),
  identityRefused: async (_platform: string, platformId: string, code: string, details: Record<string, unknown>) => {
    refusals.push({ platformId, code, details });
  },
} as unknown as Pim;
const logger = { warn: vi.fn() };

/** A profile e-mail, confirmed unless said otherwise. */
const mail = (email: string | null, confirmed = true): ProfileEmail | null => (email ? { email, confirmed } : null);

function identity(lookup: (id: string) => Promise<string | null>, at = { t: 0 }, options: { confirmed?: boolean; emailFallback?: boolean } = {}) {
  const lookupEmail = async (id: string) => mail(await lookup(id), options.confirmed ?? true);
  return new SlackIdentity({ pim, clock: { now: () => new Date(at.t) }, lookupEmail, logger, cacheMs: 60_000, emailFallback: options.emailFallback ?? true });
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

  it('does not let a profile e-mail borrow a principal bound to another Slack account, and audits the attempt', async () => {
    refusals.length = 0;
    const who = await identity(async () => 'erin@example.com').resolve('U0MALLORY');
    expect(who).toEqual({ ok: false, message: expect.stringContaining('bound to a different slack account') });
    expect(refusals).toEqual([{ platformId: 'U0MALLORY', code: 'identity_bound_elsewhere', details: { email: 'erin@example.com', principal: 'erin@example.com' } }]);
  });

  it('refuses an unconfirmed profile e-mail, and audits it', async () => {
    refusals.length = 0;
    const who = await identity(async () => 'dora@example.com', { t: 0 }, { confirmed: false }).resolve('U0DORA');
    expect(who).toEqual({ ok: false, message: expect.stringContaining('not confirmed') });
    expect(refusals.map((r) => r.code)).toEqual(['email_unverified']);
  });

  it('binds by e-mail only when the config names the workspace(s) served', async () => {
    const lookup = vi.fn(async () => 'dora@example.com');
    const who = await identity(lookup, { t: 0 }, { emailFallback: false }).resolve('U0DORA');
    expect(who).toEqual({ ok: false, message: expect.stringContaining('Ask a PIM admin') });
    expect(lookup).not.toHaveBeenCalled();
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

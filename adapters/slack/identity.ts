/**
 * Who a Slack user is in PIM. A Slack user id becomes a principal only through an explicit binding:
 * the `slack` id in the directory, or else the e-mail address of the Slack profile (`users.info`,
 * scope `users:read.email`) matching exactly one principal. Anything else is refused.
 */
import { describeError, isPimError } from '../../src/core/errors.js';
import type { Pim } from '../../src/core/pim.js';
import type { Clock } from '../../src/core/ports.js';
import type { Actor } from '../../src/core/types.js';
import type { Logger } from '../../src/logger.js';

export type Identity = { ok: true; actor: Actor } | { ok: false; message: string };

/** Reads a Slack user's profile e-mail; null when there is none (bots, deleted users, no scope). */
export type EmailLookup = (slackUserId: string) => Promise<string | null>;

/** How long a looked-up e-mail (or its absence) is remembered. */
export const EMAIL_CACHE_MS = 5 * 60_000;

const LOOKUP_FAILED =
  'pimbot could not read your Slack profile to find your e-mail address. Try again in a minute; if it keeps failing, ask a PIM admin to add your Slack user id to pim.config.yaml.';

export class SlackIdentity {
  private readonly emails = new Map<string, { email: string | null; at: number }>();
  private readonly pending = new Map<string, Promise<string | null>>();

  constructor(
    private readonly o: { pim: Pim; clock: Clock; lookupEmail: EmailLookup; logger: Pick<Logger, 'warn'>; cacheMs?: number },
  ) {}

  /** The actor behind a Slack user id, or the sentence that tells them why not. */
  async resolve(slackUserId: string): Promise<Identity> {
    try {
      return { ok: true, actor: { principal: this.o.pim.resolve('slack', slackUserId), platform: 'slack' } };
    } catch (e) {
      if (!isPimError(e)) throw e;
      if (e.code !== 'unknown_user') return { ok: false, message: e.message };
    }
    let email: string | null;
    try {
      email = await this.email(slackUserId);
    } catch (err) {
      this.o.logger.warn({ err, slackUserId }, 'slack: users.info failed; cannot resolve the user by e-mail');
      return { ok: false, message: LOOKUP_FAILED };
    }
    if (!email) return { ok: false, message: describeError('unknown_user') };
    try {
      return { ok: true, actor: { principal: this.o.pim.resolve('slack', slackUserId, email), platform: 'slack' } };
    } catch (e) {
      if (isPimError(e)) return { ok: false, message: e.message };
      throw e;
    }
  }

  private async email(slackUserId: string): Promise<string | null> {
    const now = this.o.clock.now().getTime();
    const hit = this.emails.get(slackUserId);
    if (hit && now - hit.at < (this.o.cacheMs ?? EMAIL_CACHE_MS)) return hit.email;
    let p = this.pending.get(slackUserId);
    if (!p) {
      p = this.o.lookupEmail(slackUserId).finally(() => this.pending.delete(slackUserId));
      this.pending.set(slackUserId, p);
    }
    const email = await p;
    this.emails.set(slackUserId, { email, at: now });
    return email;
  }
}

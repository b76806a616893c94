/**
 * Who a Slack user is in PIM. A Slack user id becomes a principal only through an explicit binding:
 * the `slack` id in the directory, or else the e-mail address of the Slack profile (`users.info`,
 * scope `users:read.email`) matching exactly one principal. The e-mail counts only when Slack says
 * it is confirmed, only for a principal with no Slack id of its own (one bound to another account
 * cannot be borrowed), and only when the config names the workspace(s) served (`slack.teamIds`;
 * requests from others never get this far, see bolt-app.ts). Anything else is refused, and the
 * borrowing attempts are audited.
 */
import { type Actor, type Clock, describeError, isPimError, type Pim } from '../../src/core/index.js';
import type { Logger } from '../../src/logger.js';

export type Identity = { ok: true; actor: Actor } | { ok: false; message: string };

/** A Slack user's profile e-mail and whether Slack has confirmed it. */
export interface ProfileEmail {
  email: string;
  confirmed: boolean;
}

/** Reads a Slack user's profile e-mail; null when there is none (bots, deleted users, no scope). */
export type EmailLookup = (slackUserId: string) => Promise<ProfileEmail | null>;

/** How long a looked-up e-mail (or its absence) is remembered. */
export const EMAIL_CACHE_MS = 5 * 60_000;

const LOOKUP_FAILED =
  'pimbot could not read your Slack profile to find your e-mail address. Try again in a minute; if it keeps failing, ask a PIM admin to add your Slack user id to pim.config.yaml.';

export class SlackIdentity {
  private readonly emails = new Map<string, { email: ProfileEmail | null; at: number }>();
  private readonly pending = new Map<string, Promise<ProfileEmail | null>>();

  constructor(
    private readonly o: {
      pim: Pim;
      clock: Clock;
      lookupEmail: EmailLookup;
      logger: Pick<Logger, 'warn'>;
      cacheMs?: number;
      /** False when the config names no workspace: only explicit Slack ids bind. */
      emailFallback: boolean;
    },
  ) {}

  /** The actor behind a Slack user id, or the sentence that tells them why not. */
  async resolve(slackUserId: string): Promise<Identity> {
    try {
      return { ok: true, actor: { principal: this.o.pim.resolve('slack', slackUserId), platform: 'slack' } };
    } catch (e) {
      if (!isPimError(e)) throw e;
      if (e.code !== 'unknown_user') return { ok: false, message: e.message };
    }
    if (!this.o.emailFallback) return { ok: false, message: describeError('unknown_user') };
    let profile: ProfileEmail | null;
    try {
      profile = await this.email(slackUserId);
    } catch (err) {
      this.o.logger.warn({ err, slackUserId }, 'slack: users.info failed; cannot resolve the user by e-mail');
      return { ok: false, message: LOOKUP_FAILED };
    }
    if (!profile) return { ok: false, message: describeError('unknown_user') };
    let principal;
    try {
      principal = this.o.pim.resolve('slack', slackUserId, profile.email);
    } catch (e) {
      if (!isPimError(e)) throw e;
      if (e.code === 'identity_bound_elsewhere') await this.refused(slackUserId, e.code, { email: profile.email, principal: e.details.principalId });
      return { ok: false, message: e.message };
    }
    if (!profile.confirmed) {
      await this.refused(slackUserId, 'email_unverified', { email: profile.email, principal: principal.id });
      return { ok: false, message: describeError('email_unverified') };
    }
    return { ok: true, actor: { principal, platform: 'slack' } };
  }

  private async refused(slackUserId: string, code: string, details: Record<string, unknown>): Promise<void> {
    try {
      await this.o.pim.identityRefused('slack', slackUserId, code, details);
    } catch (err) {
      this.o.logger.warn({ err, slackUserId, code }, 'slack: could not audit a refused identity');
    }
  }

  private async email(slackUserId: string): Promise<ProfileEmail | null> {
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

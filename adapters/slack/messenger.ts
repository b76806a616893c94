/**
 * The Slack Messenger: how the outbox dispatcher posts notices and updates approval cards in
 * Slack. Channel recipients map through `channels.<name>.slack` in the config; a user is DM'd by
 * posting to their Slack user id (Slack opens the IM), or, for a principal bound by e-mail only,
 * to the Slack user with that e-mail (`users.lookupByEmail`). Retries belong to the dispatcher:
 * every Web API failure is thrown as a DeliveryError (see `toDeliveryError`). With a pacer, each
 * call first waits for its turn under Slack's limits (limits.ts), shared by every replica.
 */
import { slackNotice, type SlackBlock } from '../../cards/slack/index.js';
import type { ChannelConfig } from '../../src/config/pim-config.js';
import { type Clock, DeliveryError, type MessageRef, type Messenger, type Notice, type Principal, type Recipient } from '../../src/core/index.js';
import { awaitTurn, type Turns } from '../shared/pace.js';
import type { PacerPort } from '../types.js';
import { postToResponseUrl, ResponseUrlError } from './answer.js';
import { toDeliveryError } from './errors.js';
import { lookupTurns, postTurns, SLACK_LIMITS, updateTurns, type SlackLimits } from './limits.js';

interface MessageArgs {
  channel: string;
  text: string;
  blocks: SlackBlock[];
}

/** The Web API methods the messenger calls (a `WebClient` is one). */
export interface SlackMessagingApi {
  chat: {
    postMessage(args: MessageArgs & { unfurl_links?: boolean; unfurl_media?: boolean }): Promise<{ channel?: string; ts?: string }>;
    update(args: MessageArgs & { ts: string }): Promise<unknown>;
  };
  users: {
    lookupByEmail(args: { email: string }): Promise<{ user?: { id?: string } }>;
  };
}

export interface SlackMessengerOptions {
  api: SlackMessagingApi;
  channels: Readonly<Record<string, ChannelConfig>>;
  /** Principals by id (the core's directory). */
  directory: { get(id: string): Principal | undefined };
  clock: Clock;
  timeZone: string;
  /** How long an e-mail -> Slack user id lookup is remembered (default 10 minutes). */
  lookupCacheMs?: number;
  /** Paces every Web API call (absent: no pacing, Slack's 429s are all there is). */
  pacer?: PacerPort;
  /** Overrides of SLACK_LIMITS. */
  limits?: Partial<SlackLimits>;
}

/** The address of a principal known only by e-mail: no Slack id and no other platform's id. */
function emailOnly(p: Principal): string | null {
  if (p.slack || p.teams) return null;
  const email = p.email ?? (p.id.includes('@') ? p.id : null);
  return email && email.includes('@') ? email : null;
}

export class SlackMessenger implements Messenger {
  readonly platform = 'slack' as const;
  private readonly byEmail = new Map<string, { id: string; at: number }>();
  private readonly limits: SlackLimits;

  constructor(private readonly o: SlackMessengerOptions) {
    this.limits = { ...SLACK_LIMITS, ...o.limits };
  }

  canReach(to: Recipient): boolean {
    if (to.kind === 'channel') return Boolean(this.o.channels[to.channel]?.slack);
    const p = this.o.directory.get(to.principalId);
    return Boolean(p && (p.slack || emailOnly(p)));
  }

  async send(to: Recipient, notice: Notice): Promise<MessageRef> {
    const channel = await this.address(to);
    await this.turn(postTurns(this.limits, channel), 'chat.postMessage');
    const message = this.render(notice);
    let res: { channel?: string; ts?: string };
    try {
      res = await this.o.api.chat.postMessage({ channel, ...message, unfurl_links: false, unfurl_media: false });
    } catch (e) {
      throw toDeliveryError(e, 'chat.postMessage');
    }
    if (!res.channel || !res.ts) throw new DeliveryError('Slack answered chat.postMessage without channel and ts');
    return { platform: 'slack', conversation: res.channel, messageId: res.ts };
  }

  async update(ref: MessageRef, notice: Notice): Promise<void> {
    if (typeof ref.extra?.responseUrl === 'string') return this.replaceAnswer(ref.extra.responseUrl, ref.extra.expiresAt, notice);
    await this.turn(updateTurns(this.limits), 'chat.update');
    try {
      await this.o.api.chat.update({ channel: ref.conversation, ts: ref.messageId, ...this.render(notice) });
    } catch (e) {
      throw toDeliveryError(e, 'chat.update');
    }
  }

  /**
   * Replaces an ephemeral answer through the response URL that posted it (`replace_original`),
   * while Slack still takes it: past its 30 minutes, or once used up (404), it stays as it was.
   */
  private async replaceAnswer(url: string, expiresAt: unknown, notice: Notice): Promise<void> {
    if (typeof expiresAt === 'string' && Date.parse(expiresAt) <= this.o.clock.now().getTime()) return;
    try {
      await postToResponseUrl(url, { response_type: 'ephemeral', replace_original: true, ...this.render(notice) });
    } catch (e) {
      if (e instanceof ResponseUrlError && e.status >= 400 && e.status < 500) return;
      throw new DeliveryError(`the response URL failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private turn(turns: Turns, method: string): Promise<void> {
    return awaitTurn(this.o.pacer, turns, this.o.clock, `Slack ${method}`);
  }

  private render(notice: Notice): { text: string; blocks: SlackBlock[] } {
    return slackNotice(notice, { timeZone: this.o.timeZone, now: this.o.clock.now() });
  }

  /** The Slack conversation for a recipient: a channel id or a user id. Unreachable -> permanent DeliveryError. */
  private async address(to: Recipient): Promise<string> {
    if (to.kind === 'channel') {
      const id = this.o.channels[to.channel]?.slack;
      if (!id) throw new DeliveryError(`channel "${to.channel}" has no Slack id in the config`, undefined, true);
      return id;
    }
    const p = this.o.directory.get(to.principalId);
    if (!p) throw new DeliveryError(`${to.principalId} is not in the directory`, undefined, true);
    if (p.slack) return p.slack;
    const email = emailOnly(p);
    if (!email) throw new DeliveryError(`${p.id} has no Slack user id in the config`, undefined, true);
    return this.userByEmail(email);
  }

  private async userByEmail(email: string): Promise<string> {
    const key = email.toLowerCase();
    const now = this.o.clock.now().getTime();
    const hit = this.byEmail.get(key);
    if (hit && now - hit.at < (this.o.lookupCacheMs ?? 10 * 60_000)) return hit.id;
    let id: string | undefined;
    await this.turn(lookupTurns(this.limits), 'users.lookupByEmail');
    try {
      id = (await this.o.api.users.lookupByEmail({ email })).user?.id;
    } catch (e) {
      throw toDeliveryError(e, 'users.lookupByEmail');
    }
    if (!id) throw new DeliveryError('Slack answered users.lookupByEmail without a user id', undefined, true);
    this.byEmail.set(key, { id, at: now });
    return id;
  }
}

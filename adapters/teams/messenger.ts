/**
 * Delivers the core's notices to Teams (the outbox calls it after commit): to a configured
 * channel (its stored reference, or one built from the channel id and the last seen service URL)
 * or to a person's 1:1 chat (stored when they messaged the bot, else created with their AAD
 * object id). Connector failures become DeliveryErrors the outbox retries or gives up on. With a
 * pacer, each Connector operation first waits for its turn under the Bot Connector's limits
 * (limits.ts), shared by every replica.
 */
import { TurnContext, type Activity, type CloudAdapter } from 'botbuilder';
import type { Notice } from '../../cards/model.js';
import type { Env } from '../../src/config/env.js';
import type { PimConfig } from '../../src/config/pim-config.js';
import { type Clock, DeliveryError, type MessageRef, type Messenger, type Pim, type Recipient } from '../../src/core/index.js';
import { awaitTurn, type Turns } from '../shared/pace.js';
import type { PacerPort } from '../types.js';
import { toDeliveryError } from './errors.js';
import { botTurns, conversationTurns, TEAMS_LIMITS, type TeamsLimits } from './limits.js';
import { channelReference, conversationKey, userKey, type Reference, type ReferenceBook, type ServiceMeta } from './references.js';
import { noticeMessage, renderContext } from './render.js';

/** The global Teams service URL, used in production when the bot has not yet seen one. */
export const DEFAULT_SERVICE_URL = 'https://smba.trafficmanager.net/teams/';

/** The slice of CloudAdapter the messenger uses (a test can pass a fake). */
export type ProactiveAdapter = Pick<CloudAdapter, 'continueConversationAsync' | 'createConversationAsync'>;

export interface TeamsMessengerDeps {
  adapter: ProactiveAdapter;
  /** The bot's Microsoft App ID ('' when auth is off). */
  appId: string;
  pim: Pim;
  config: Pick<PimConfig, 'channels'>;
  env: Pick<Env, 'timezone' | 'teams' | 'devMode'>;
  clock: Clock;
  references: Pick<ReferenceBook, 'get' | 'save' | 'meta'>;
  /** Paces every Connector operation (absent: no pacing, the Connector's 429s are all there is). */
  pacer?: PacerPort;
  /** Overrides of TEAMS_LIMITS. */
  limits?: Partial<TeamsLimits>;
}

const NO_DM = 'no conversation with this user yet: they must message the bot once';

/**
 * botbuilder's HTTP pipeline retries 429 and 5xx itself (sleeping through Retry-After). The outbox
 * owns retries: it waits without holding a worker and counts attempts. So proactive calls go out
 * once; if the pipeline's internals ever change, this does nothing and the SDK retries as before.
 */
function sendOnce(ctx: TurnContext): void {
  const key = (ctx.adapter as { ConnectorClientKey?: symbol }).ConnectorClientKey;
  const connector = key ? ctx.turnState.get(key) : undefined;
  const pipeline = (connector as { client?: { pipeline?: { removePolicy?: (p: { name: string }) => unknown } } } | undefined)?.client?.pipeline;
  pipeline?.removePolicy?.({ name: 'defaultRetryPolicy' });
}

type TurnLogic = (ctx: TurnContext) => Promise<void>;

/**
 * A proactive turn whose failure reaches the caller. The adapter hands whatever a turn throws to
 * its onTurnError, which the bot sets to log it (auth.ts), and then returns as if all went well:
 * a Connector 429 would come out as "no id" without its Retry-After, a failed update as done.
 */
function capturing(logic: TurnLogic): { logic: TurnLogic; rethrow(): void } {
  let failure: { err: unknown } | null = null;
  return {
    logic: async (ctx) => {
      try {
        await logic(ctx);
      } catch (err) {
        failure = { err };
      }
    },
    rethrow: () => {
      if (failure) throw failure.err;
    },
  };
}

export class TeamsMessenger implements Messenger {
  readonly platform = 'teams' as const;
  private readonly limits: TeamsLimits;

  constructor(private readonly d: TeamsMessengerDeps) {
    this.limits = { ...TEAMS_LIMITS, ...d.limits };
  }

  canReach(to: Recipient): boolean {
    if (to.kind === 'channel') return Boolean(this.d.config.channels[to.channel]?.teams);
    return Boolean(this.d.pim.directory.get(to.principalId)?.teams);
  }

  async send(to: Recipient, notice: Notice): Promise<MessageRef> {
    const activity = noticeMessage(this.d.pim, notice, renderContext(this.d.env, this.d.clock));
    try {
      if (to.kind === 'channel') return await this.post(await this.channelRef(to.channel), activity);
      const stored = await this.d.references.get(userKey(to.principalId));
      if (stored) return await this.post(stored, activity);
      return await this.createChat(to.principalId, activity);
    } catch (err) {
      throw toDeliveryError(err, 'send', this.d.clock.now());
    }
  }

  async update(ref: MessageRef, notice: Notice): Promise<void> {
    const activity = noticeMessage(this.d.pim, notice, renderContext(this.d.env, this.d.clock));
    try {
      const reference = await this.referenceOf(ref);
      await this.turn(conversationTurns(this.limits, reference.conversation?.id ?? ref.conversation), 'update');
      const turn = capturing(async (ctx) => {
        sendOnce(ctx);
        await ctx.updateActivity({ ...activity, id: ref.messageId, type: 'message' });
      });
      await this.d.adapter.continueConversationAsync(this.d.appId, reference, turn.logic);
      turn.rethrow();
    } catch (err) {
      throw toDeliveryError(err, 'update', this.d.clock.now());
    }
  }

  private turn(turns: Turns, what: string): Promise<void> {
    return awaitTurn(this.d.pacer, turns, this.d.clock, `Teams ${what}`);
  }

  private async serviceMeta(): Promise<ServiceMeta | null> {
    const meta = await this.d.references.meta();
    if (meta) return meta;
    // Outside dev mode the bot talks to the real Teams, whose global endpoint serves every tenant.
    if (this.d.env.teams.enabled) return { serviceUrl: DEFAULT_SERVICE_URL, tenantId: this.d.env.teams.tenantId ?? null, bot: null };
    return null;
  }

  private async channelRef(name: string): Promise<Reference> {
    const id = this.d.config.channels[name]?.teams;
    if (!id) throw new DeliveryError(`channel ${name} has no Teams id`, undefined, true);
    const stored = await this.d.references.get(conversationKey(id));
    if (stored) return stored;
    const meta = await this.serviceMeta();
    if (!meta) throw new DeliveryError(`no Teams service URL known yet to post to channel ${name}: install the app in the team or message the bot once`, undefined, true);
    return channelReference(id, meta);
  }

  private async post(reference: Reference, activity: Partial<Activity>): Promise<MessageRef> {
    let id = '';
    await this.turn(conversationTurns(this.limits, reference.conversation?.id ?? ''), 'send');
    const turn = capturing(async (ctx) => {
      sendOnce(ctx);
      const res = await ctx.sendActivity(activity);
      id = res?.id ?? '';
    });
    await this.d.adapter.continueConversationAsync(this.d.appId, reference, turn.logic);
    turn.rethrow();
    if (!id) throw new DeliveryError('Teams accepted the message but returned no id');
    return { platform: 'teams', conversation: reference.conversation?.id ?? '', messageId: id, extra: { reference } };
  }

  /** Opens a 1:1 chat with a user the bot has not talked to, keeps its reference, and posts. */
  private async createChat(principalId: string, activity: Partial<Activity>): Promise<MessageRef> {
    const aad = this.d.pim.directory.get(principalId)?.teams;
    const meta = await this.serviceMeta();
    const tenantId = this.d.env.teams.tenantId ?? meta?.tenantId ?? null;
    if (!aad || !meta || !tenantId) throw new DeliveryError(NO_DM, undefined, true);
    const bot = meta.bot ?? { id: `28:${this.d.appId}`, name: 'pimbot' };
    await this.turn(botTurns(this.limits), 'create conversation');
    let result: MessageRef | null = null;
    const turn = capturing(async (ctx) => {
      sendOnce(ctx);
      const { activityId: _drop, ...reference } = TurnContext.getConversationReference(ctx.activity);
      await this.d.references.save(userKey(principalId), reference);
      // Past here a deferral is safe: the reference is kept, so the retry posts through it.
      await this.turn(conversationTurns(this.limits, reference.conversation?.id ?? ''), 'send');
      const res = await ctx.sendActivity(activity);
      result = { platform: 'teams', conversation: reference.conversation?.id ?? '', messageId: res?.id ?? '', extra: { reference } };
    });
    await this.d.adapter.createConversationAsync(
      this.d.appId,
      'msteams',
      meta.serviceUrl,
      undefined as unknown as string, // the adapter's default audience
      {
        isGroup: false,
        bot: { id: bot.id, name: bot.name ?? '' },
        members: [{ id: aad, aadObjectId: aad, name: '' }],
        tenantId,
        channelData: { tenant: { id: tenantId } },
      } as Parameters<ProactiveAdapter['createConversationAsync']>[4],
      turn.logic,
    );
    turn.rethrow();
    const posted = result as MessageRef | null;
    if (!posted?.messageId) throw new DeliveryError('Teams accepted the message but returned no id');
    return posted;
  }

  /** The reference a message was posted through, or one rebuilt from its conversation id. */
  private async referenceOf(ref: MessageRef): Promise<Reference> {
    const saved = ref.extra?.reference as Reference | undefined;
    if (saved && typeof saved.serviceUrl === 'string' && saved.conversation?.id) return saved;
    const meta = await this.serviceMeta();
    if (!meta) throw new DeliveryError('no Teams service URL known to update the message', undefined, true);
    return channelReference(ref.conversation, meta);
  }
}

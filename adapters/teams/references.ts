/**
 * Conversation references: where the bot can post proactively. Saved on every message and on
 * install (`conversationUpdate` / `installationUpdate`) through the adapter's conversation store,
 * keyed `user:<principal id>` for a personal chat and `conv:<conversation id>` for a channel or
 * group chat; the last seen service URL, tenant and bot account are kept under `service:url`.
 */
import { TurnContext, type Activity, type ConversationReference } from 'botbuilder';
import type { ConversationStorePort } from '../types.js';

/** Key of the service meta (last seen service URL, tenant, bot account). */
export const SERVICE_KEY = 'service:url';

export interface ServiceMeta {
  serviceUrl: string;
  tenantId: string | null;
  bot: { id: string; name?: string } | null;
}

export const userKey = (principalId: string): string => `user:${principalId}`;
export const conversationKey = (conversationId: string): string => `conv:${conversationId}`;

export type Reference = Partial<ConversationReference>;

/** The channel a channel message belongs to: `19:…@thread.tacv2`, without `;messageid=…`. */
export function baseConversationId(activity: Partial<Activity>): string | null {
  const channel = (activity.channelData as { channel?: { id?: unknown } } | undefined)?.channel?.id;
  if (activity.conversation?.conversationType === 'channel' && typeof channel === 'string' && channel) return channel;
  const id = activity.conversation?.id;
  return typeof id === 'string' && id ? id.split(';')[0] ?? id : null;
}

export function tenantOf(activity: Partial<Activity>): string | null {
  const fromData = (activity.channelData as { tenant?: { id?: unknown } } | undefined)?.tenant?.id;
  if (typeof fromData === 'string' && fromData) return fromData;
  const t = activity.conversation?.tenantId;
  return typeof t === 'string' && t ? t : null;
}

/**
 * The reference to post into the activity's conversation later: a channel post starts a new
 * thread (base channel id), and no `activityId`, so nothing is sent as a reply to an old message.
 */
export function referenceOf(activity: Partial<Activity>): Reference {
  const ref = TurnContext.getConversationReference(activity);
  const id = baseConversationId(activity);
  const tenantId = tenantOf(activity);
  const { activityId: _drop, ...rest } = ref;
  return { ...rest, conversation: { ...(ref.conversation as ConversationReference['conversation']), ...(id ? { id } : {}), ...(tenantId ? { tenantId } : {}) } };
}

/** A reference to a Teams channel the bot has not heard from, built from its id and the service meta. */
export function channelReference(channelId: string, meta: ServiceMeta): Reference {
  return {
    channelId: 'msteams',
    serviceUrl: meta.serviceUrl,
    conversation: { id: channelId, isGroup: true, conversationType: 'channel', name: '', ...(meta.tenantId ? { tenantId: meta.tenantId } : {}) },
    ...(meta.bot ? { bot: { id: meta.bot.id, name: meta.bot.name ?? '' } } : {}),
  };
}

const isReference = (v: Record<string, unknown> | null): v is Reference =>
  v !== null && typeof v.serviceUrl === 'string' && typeof (v.conversation as { id?: unknown } | undefined)?.id === 'string';

/** Reads and writes references through the adapter's store; skips writes that change nothing. */
export class ReferenceBook {
  private readonly written = new Map<string, string>();
  private lastMeta: ServiceMeta | null = null;

  constructor(
    private readonly store: ConversationStorePort,
    private readonly now: () => Date,
  ) {}

  /** Remembers where `activity` came from: its conversation and the service meta. */
  async remember(activity: Partial<Activity>, principalId: string | null): Promise<void> {
    const ref = referenceOf(activity);
    if (!ref.serviceUrl || !ref.conversation?.id) return;
    const type = activity.conversation?.conversationType;
    const key = type === 'personal' || (type === undefined && !activity.conversation?.isGroup) ? (principalId ? userKey(principalId) : null) : conversationKey(ref.conversation.id);
    if (key) await this.write(key, ref as Record<string, unknown>);
    // An activity without tenant or recipient does not erase what an earlier one told.
    const meta: ServiceMeta = {
      serviceUrl: ref.serviceUrl,
      tenantId: tenantOf(activity) ?? this.lastMeta?.tenantId ?? null,
      bot: activity.recipient?.id ? { id: activity.recipient.id, name: activity.recipient.name } : (this.lastMeta?.bot ?? null),
    };
    this.lastMeta = meta;
    await this.write(SERVICE_KEY, meta as unknown as Record<string, unknown>);
  }

  /** Saves a reference (e.g. of a 1:1 chat the bot just created). */
  async save(key: string, ref: Reference): Promise<void> {
    await this.write(key, ref as Record<string, unknown>);
  }

  async get(key: string): Promise<Reference | null> {
    const v = await this.store.get('teams', key);
    return isReference(v) ? v : null;
  }

  async meta(): Promise<ServiceMeta | null> {
    const v = await this.store.get('teams', SERVICE_KEY);
    if (!v || typeof v.serviceUrl !== 'string' || v.serviceUrl === '') return null;
    return { serviceUrl: v.serviceUrl, tenantId: typeof v.tenantId === 'string' ? v.tenantId : null, bot: (v.bot as ServiceMeta['bot']) ?? null };
  }

  private async write(key: string, value: Record<string, unknown>): Promise<void> {
    const json = JSON.stringify(value);
    if (this.written.get(key) === json) return;
    await this.store.save('teams', key, value, this.now());
    this.written.set(key, json);
  }
}

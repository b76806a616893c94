/**
 * The playground's conversations, in memory: every message the bot posted (through the Bot
 * Connector emulator) or a person typed, per conversation, bounded, with listeners (the event
 * streams) told of each change. It lives as long as the process: a page reload shows it again.
 */

/** A card or other attachment as the browser shows it. */
export interface PlaygroundAttachment {
  contentType: string;
  /** The Adaptive Card JSON (cards), or the text of an inline `text/csv` file. */
  content?: unknown;
  name?: string;
}

export interface PlaygroundMessage {
  id: string;
  conversationId: string;
  /** Grows with every message in the log, across conversations (unread counting). */
  seq: number;
  /** The bot's time when it was posted (it moves with time travel). */
  at: string;
  from: { id: string; name: string; aadObjectId?: string; isBot: boolean };
  text: string | null;
  /** `plain` text is shown as is; anything else as the bot's markdown. */
  textFormat: string | null;
  attachments: PlaygroundAttachment[];
  replyToId: string | null;
  /** The bot's time of the last update, when it was updated. */
  updatedAt: string | null;
}

export type MessageDraft = Pick<PlaygroundMessage, 'from' | 'text' | 'textFormat' | 'attachments' | 'replyToId'>;

export type LogEvent =
  | { type: 'message'; message: PlaygroundMessage }
  | { type: 'update'; message: PlaygroundMessage }
  | { type: 'delete'; conversationId: string; id: string };

export interface LogOptions {
  now: () => Date;
  /** Oldest messages beyond this are dropped, per conversation (default 200). */
  maxPerConversation?: number;
  /** Conversations beyond this drop the one least recently written to (default 100). */
  maxConversations?: number;
}

/** A Teams channel post's conversation id carries `;messageid=…`; the conversation is the channel. */
export const baseConversation = (id: string): string => id.split(';')[0] ?? id;

export class ConversationLog {
  private readonly conversations = new Map<string, PlaygroundMessage[]>();
  private readonly listeners = new Set<(e: LogEvent) => void>();
  private seq = 0;
  private readonly maxPer: number;
  private readonly maxConversations: number;

  constructor(private readonly o: LogOptions) {
    this.maxPer = o.maxPerConversation ?? 200;
    this.maxConversations = o.maxConversations ?? 100;
  }

  append(conversationId: string, draft: MessageDraft): PlaygroundMessage {
    const id = baseConversation(conversationId);
    const seq = ++this.seq;
    const message: PlaygroundMessage = { ...draft, id: `pg-${seq}`, conversationId: id, seq, at: this.o.now().toISOString(), updatedAt: null };
    const list = this.conversations.get(id) ?? [];
    // Re-inserting keeps the map in least-recently-written order.
    this.conversations.delete(id);
    this.conversations.set(id, list);
    list.push(message);
    if (list.length > this.maxPer) list.splice(0, list.length - this.maxPer);
    while (this.conversations.size > this.maxConversations) {
      const oldest = this.conversations.keys().next().value as string;
      this.conversations.delete(oldest);
    }
    this.emit({ type: 'message', message });
    return message;
  }

  /** Replaces what a message shows; null when it is not (or no longer) in the log. */
  update(conversationId: string, id: string, change: Partial<Pick<PlaygroundMessage, 'text' | 'textFormat' | 'attachments'>>): PlaygroundMessage | null {
    const list = this.conversations.get(baseConversation(conversationId));
    const i = list?.findIndex((m) => m.id === id) ?? -1;
    if (!list || i < 0) return null;
    const message: PlaygroundMessage = { ...(list[i] as PlaygroundMessage), ...change, updatedAt: this.o.now().toISOString() };
    list[i] = message;
    this.emit({ type: 'update', message });
    return message;
  }

  remove(conversationId: string, id: string): boolean {
    const cid = baseConversation(conversationId);
    const list = this.conversations.get(cid);
    const i = list?.findIndex((m) => m.id === id) ?? -1;
    if (!list || i < 0) return false;
    list.splice(i, 1);
    this.emit({ type: 'delete', conversationId: cid, id });
    return true;
  }

  get(conversationId: string, id: string): PlaygroundMessage | null {
    return this.conversations.get(baseConversation(conversationId))?.find((m) => m.id === id) ?? null;
  }

  messages(conversationId: string): PlaygroundMessage[] {
    return [...(this.conversations.get(baseConversation(conversationId)) ?? [])];
  }

  /** Every conversation's messages, for a browser that (re)connects. */
  snapshot(): Record<string, PlaygroundMessage[]> {
    return Object.fromEntries([...this.conversations].map(([id, list]) => [id, [...list]]));
  }

  /** Calls `listener` on every change until the returned function is called. */
  subscribe(listener: (e: LogEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(e: LogEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        // one broken stream does not stop the others
      }
    }
  }
}

/**
 * The Bot Connector limits the Teams messenger paces itself by, from "Optimize your bot with rate
 * limiting in Teams" (https://learn.microsoft.com/microsoftteams/platform/bots/how-to/rate-limit).
 * Each can be overridden through `TeamsMessengerDeps.limits`.
 *
 * Per bot per thread (a 1:1 chat, a group chat or a channel), "Send to conversation" and "Create
 * conversation" alike: 7 operations in 1 s, 8 in 2 s, 60 in 30 s, 1800 in 3600 s. One GCRA limit
 * lets at most `burst + window / interval` through in any window, so:
 * - `conversation`: one per 600 ms, burst 4 (at most 5 in 1 s, 7 in 2 s, 54 in 30 s);
 * - `conversationHour`: one per 2.1 s, burst 60 (at most 1774 in an hour);
 * both waiting at most 2 s for a turn: at 1.7 a second, the pacer's 5 s would let one backlogged
 * conversation hold every dispatcher worker asleep; the rest of its backlog is deferred.
 *
 * Globally: "The global limit per app per tenant is 50 Requests Per Second (RPS)" (some
 * versions of the page say 30). `bot`: one per 25 ms, burst 10, so no second sees more than 50.
 */
import { limitOn, type Rate, type Turns } from '../shared/pace.js';

export interface TeamsLimits {
  conversation: Rate;
  conversationHour: Rate;
  bot: Rate;
}

export const TEAMS_LIMITS: Readonly<TeamsLimits> = {
  conversation: { intervalMs: 600, burst: 4, maxWaitMs: 2_000 },
  conversationHour: { intervalMs: 2_100, burst: 60, maxWaitMs: 2_000 },
  bot: { intervalMs: 25, burst: 10 },
};

/** What one operation in conversation `id` is paced against: the conversation, then the bot. */
export function conversationTurns(limits: TeamsLimits, id: string): Turns {
  return [[limitOn(`teams:conversation:${id}`, limits.conversation), limitOn(`teams:conversation:${id}:hour`, limits.conversationHour)], ...botTurns(limits)];
}

/** What an operation outside any conversation yet (creating a 1:1 chat) is paced against. */
export const botTurns = (limits: TeamsLimits): Turns => [[limitOn('teams:bot', limits.bot)]];

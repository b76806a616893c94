/**
 * The Slack Web API limits the messenger paces itself by. Slack applies them per method, per app,
 * per workspace, and does not publish exact figures for every one, so these sit at or under what
 * it documents. Each can be overridden through `SlackMessengerOptions.limits`.
 */
import { limitOn, type Rate, type Turns } from '../shared/pace.js';

export interface SlackLimits {
  /** `chat.postMessage` to one channel, DM or user (taken before the workspace's, see pace.ts). */
  postPerChannel: Rate;
  /** `chat.postMessage` across the whole workspace. */
  postPerWorkspace: Rate;
  /** `chat.update`, workspace-wide. */
  update: Rate;
  /** `users.lookupByEmail`, workspace-wide. */
  lookupByEmail: Rate;
}

/**
 * - `chat.postMessage` is in Slack's "special" tier: "It will generally allow an app to post 1
 *   message per second to a specific channel. There are limits governing your app's relationship
 *   with the entire workspace above that, limiting posting to several hundred messages per
 *   minute. Generous burst behavior is also granted."
 *   (https://docs.slack.dev/reference/methods/chat.postMessage, "Rate limiting"); the rate limits
 *   page: "Posting messages: 1 per second. Short bursts >1 allowed"
 *   (https://docs.slack.dev/apis/web-api/rate-limits). So: 1 per second per channel with a burst
 *   of 3, and 300 a minute (one per 200 ms) workspace-wide with a burst of 20.
 * - `chat.update` is Tier 3, "50+ per minute" ("sporadic bursts are welcome"): one per 1.2 s,
 *   burst 5.
 * - `users.lookupByEmail` is Tier 4, "100+ per minute" ("generous burst behavior"): one per
 *   600 ms, burst 10.
 */
export const SLACK_LIMITS: Readonly<SlackLimits> = {
  postPerChannel: { intervalMs: 1_000, burst: 3 },
  postPerWorkspace: { intervalMs: 200, burst: 20 },
  update: { intervalMs: 1_200, burst: 5 },
  lookupByEmail: { intervalMs: 600, burst: 10 },
};

/** What one `chat.postMessage` to `channel` (a channel, DM or user id) is paced against: the channel, then the workspace. */
export function postTurns(limits: SlackLimits, channel: string): Turns {
  return [[limitOn(`slack:chat.postMessage:${channel}`, limits.postPerChannel)], [limitOn('slack:chat.postMessage', limits.postPerWorkspace)]];
}

export const updateTurns = (limits: SlackLimits): Turns => [[limitOn('slack:chat.update', limits.update)]];

export const lookupTurns = (limits: SlackLimits): Turns => [[limitOn('slack:users.lookupByEmail', limits.lookupByEmail)]];

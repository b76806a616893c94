/**
 * Delivering answers to interactions: ephemerally where the user typed or pressed (response URL),
 * on the App Home by republishing it, or in a DM. Every message is rendered by `cards/`.
 */
import type { webApi } from '@slack/bolt';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Reply } from '../../cards/model.js';
import { slackHome, slackReply, type SlackMessage } from '../../cards/slack/index.js';
import type { Actor, MessageRef, MessageSubject } from '../../src/core/index.js';
import { requestMessageSubject } from '../shared/request-message.js';
import { homeFor } from '../shared/home-view.js';
import { renderContext, type SlackDeps } from './deps.js';
import { errorReply } from './errors.js';
import type { Origin } from './origin.js';

export type WebClient = webApi.WebClient;

/** A message as an ephemeral answer through a response URL (never replacing the message pressed). */
export interface EphemeralMessage {
  response_type: 'ephemeral';
  replace_original: false;
  text: string;
  blocks: SlackMessage['blocks'];
}

/** A message that replaces the one a response URL posted before (the requester's answer about a request, updated). */
export interface ReplacingMessage {
  response_type: 'ephemeral';
  replace_original: true;
  text: string;
  blocks: SlackMessage['blocks'];
}

/** A response URL that answered with an HTTP error (404: expired or used up). */
export class ResponseUrlError extends Error {
  constructor(readonly status: number) {
    super(`the response URL answered HTTP ${status}`);
    this.name = 'ResponseUrlError';
  }
}

/** How long Slack keeps a response URL usable (30 minutes; also 5 uses). */
export const RESPONSE_URL_LIFETIME_MS = 30 * 60_000;

export type RespondLike = (message: EphemeralMessage) => Promise<unknown>;

export function ephemeral(message: SlackMessage): EphemeralMessage {
  return { response_type: 'ephemeral', replace_original: false, text: message.text, blocks: message.blocks };
}

/** A reply rendered for Slack, with times in the configured zone. */
export function render(deps: Pick<SlackDeps, 'clock' | 'timeZone'>, reply: Reply): SlackMessage {
  return slackReply(reply, renderContext(deps));
}

/**
 * Connections to response URLs (hooks.slack.com): kept alive and at most this many at once per
 * host, so a burst of answers reuses a few TLS connections instead of opening one each; more
 * answers wait their turn in order.
 */
const RESPONSE_URL_SOCKETS = 16;
const RESPONSE_URL_TIMEOUT_MS = 10_000;
const responseAgents = {
  'http:': new HttpAgent({ keepAlive: true, maxSockets: RESPONSE_URL_SOCKETS, scheduling: 'fifo' }),
  'https:': new HttpsAgent({ keepAlive: true, maxSockets: RESPONSE_URL_SOCKETS, scheduling: 'fifo' }),
};

/**
 * POSTs a message to a Slack response URL; rejects unless Slack answers 2xx (an expired URL
 * answers 404). Plain node:http(s) rather than fetch: this runs once per command and button
 * press on the thread that acks Slack's requests, and fetch costs several times the CPU.
 */
export function postToResponseUrl(url: string, message: EphemeralMessage | ReplacingMessage): Promise<void> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : target.protocol === 'http:' ? httpRequest : null;
  if (!send) return Promise.reject(new Error(`a response URL is http(s), not ${target.protocol}`));
  const body = JSON.stringify(message);
  return new Promise<void>((resolve, reject) => {
    const req = send(
      target,
      {
        method: 'POST',
        agent: responseAgents[target.protocol as 'http:' | 'https:'],
        headers: { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) },
      },
      (res: IncomingMessage) => {
        res.resume();
        res.once('error', reject);
        res.once('end', () => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve();
          else reject(new ResponseUrlError(status));
        });
      },
    );
    req.setTimeout(RESPONSE_URL_TIMEOUT_MS, () => req.destroy(new Error(`the response URL did not answer within ${RESPONSE_URL_TIMEOUT_MS / 1000} s`)));
    req.once('error', reject);
    req.end(body);
  });
}

/** A `respond` for one response URL (used instead of Bolt's, which goes through fetch). */
export function responder(url: string): RespondLike {
  return (message) => postToResponseUrl(url, message);
}

/** Publishes the actor's App Home for a Slack user. */
export async function publishHome(deps: SlackDeps, client: WebClient, slackUserId: string, actor: Actor): Promise<void> {
  const home = await homeFor(deps.pim, actor);
  await client.views.publish({ user_id: slackUserId, view: slackHome(home, renderContext(deps)) });
}

/** Publishes an App Home that only says why this user cannot use pimbot. */
export async function publishRefusalHome(deps: SlackDeps, client: WebClient, slackUserId: string, message: string): Promise<void> {
  const { blocks } = render(deps, { kind: 'error', message });
  await client.views.publish({ user_id: slackUserId, view: { type: 'home', blocks } });
}

export interface AnswerTarget {
  client: WebClient;
  slackUserId: string;
  origin: Origin;
  /** Answers through this request's response URL (`responder`), when it has one. */
  respond?: RespondLike;
  /** The resolved actor, to republish their App Home. */
  actor?: Actor;
}

/**
 * Answers where the interaction came from: through its response URL (ephemeral; by DM when the
 * URL has expired); on the App Home by republishing it, with a refusal also sent by DM (the Home
 * has no place for it); else by DM.
 */
export async function answer(deps: SlackDeps, to: AnswerTarget, reply: Reply): Promise<void> {
  const message = render(deps, reply);
  const url = to.origin.responseUrl;
  const subject = requestMessageSubject(reply);
  if (to.respond || url) {
    try {
      if (to.respond) await to.respond(ephemeral(message));
      else if (url) await postToResponseUrl(url, ephemeral(message));
      if (subject && url) await keepAnswer(deps, subject, { platform: 'slack', conversation: `response:${to.slackUserId}`, messageId: url, extra: { responseUrl: url, expiresAt: new Date(deps.clock.now().getTime() + RESPONSE_URL_LIFETIME_MS).toISOString() } });
      return;
    } catch (err) {
      // A response URL lasts 30 minutes and 5 answers; past that the answer goes by DM.
      deps.logger.warn({ err, slackUserId: to.slackUserId }, 'slack: the response URL refused the answer; sending it by DM');
    }
  } else if (to.origin.home && to.actor) {
    await publishHome(deps, to.client, to.slackUserId, to.actor);
    if (reply.kind !== 'error') return;
  }
  const posted = await to.client.chat.postMessage({ channel: to.slackUserId, text: message.text, blocks: message.blocks });
  if (subject && posted.channel && posted.ts) await keepAnswer(deps, subject, { platform: 'slack', conversation: posted.channel, messageId: posted.ts });
}

/**
 * Keeps where an answer about a request landed, so the outbox updates it as the request moves
 * (its Cancel button goes once decided). Not kept, it only stays as it was: logged, not thrown.
 */
async function keepAnswer(deps: SlackDeps, subject: MessageSubject, ref: MessageRef): Promise<void> {
  try {
    await deps.messageRefs?.saveRef(subject, ref);
  } catch (err) {
    deps.logger.warn({ err, subject }, 'slack: could not keep where an answer about a request went; it will not be updated');
  }
}

/** Republishes the App Home after a change made from it. */
export async function refreshHome(deps: SlackDeps, to: AnswerTarget): Promise<void> {
  if (to.origin.home && to.actor) await publishHome(deps, to.client, to.slackUserId, to.actor);
}

/**
 * Runs a handler's work after its ack. A failure is logged and the user is told in general terms
 * (never silently dropped); the core's refusals are replies, not failures, and never land here.
 */
export async function guarded(deps: SlackDeps, what: string, tell: (reply: Reply) => Promise<void>, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (err) {
    deps.logger.error({ err, what }, `slack: ${what} failed`);
    try {
      await tell(errorReply(err));
    } catch (tellErr) {
      deps.logger.error({ err: tellErr, what }, `slack: could not tell the user that ${what} failed`);
    }
  }
}

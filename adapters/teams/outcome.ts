/**
 * What a card action leads to, and how it is answered: as the `adaptiveCard/action` invoke
 * response (Universal Actions) or as a message (the Action.Submit fallback).
 */
import type { Activity } from 'botbuilder';
import type { RenderContext, Reply } from '../../cards/model.js';
import { escapeTeamsPlain, type AdaptiveCardJson } from '../../cards/teams/index.js';
import { cardMessage, replyMessage } from './render.js';

export const CARD_RESPONSE_TYPE = 'application/vnd.microsoft.card.adaptive';
export const MESSAGE_RESPONSE_TYPE = 'application/vnd.microsoft.activity.message';
export const ERROR_RESPONSE_TYPE = 'application/vnd.microsoft.error';

export type ActionOutcome =
  /**
   * Replace the card the button was on (invoke), or post this card (fallback). `reply` is what
   * the card shows, when it is an answer: one about a request is kept to be updated in place.
   */
  | { kind: 'card'; card: AdaptiveCardJson; text?: string; reply?: Reply }
  /** A sentence (unescaped) for the person who pressed; the card stays as it is. */
  | { kind: 'message'; text: string }
  /**
   * The card stays as it is (it is a channel's, like an alert's), the presser reads `text`, and
   * `reply` is posted as a new message in the conversation.
   */
  | { kind: 'post'; text: string; reply: Reply }
  /** The action itself is wrong (unknown verb, malformed data, not allowed). */
  | { kind: 'error'; status: 400 | 403 | 404; code: string; message: string };

export const cardOutcome = (card: AdaptiveCardJson, text?: string, reply?: Reply): ActionOutcome => ({ kind: 'card', card, ...(text ? { text } : {}), ...(reply ? { reply } : {}) });
export const messageOutcome = (text: string): ActionOutcome => ({ kind: 'message', text });
export const postOutcome = (text: string, reply: Reply): ActionOutcome => ({ kind: 'post', text, reply });
export const badRequest = (message: string): ActionOutcome => ({ kind: 'error', status: 400, code: 'BadRequest', message });

/** The body of an `adaptiveCard/action` invoke response. */
export interface AdaptiveCardInvokeBody {
  statusCode: number;
  type: string;
  value: unknown;
}

export function invokeBody(o: ActionOutcome): AdaptiveCardInvokeBody {
  switch (o.kind) {
    case 'card':
      return { statusCode: 200, type: CARD_RESPONSE_TYPE, value: o.card };
    case 'message':
    case 'post':
      // Shown as plain text next to the card: only what could become markup is replaced.
      return { statusCode: 200, type: MESSAGE_RESPONSE_TYPE, value: escapeTeamsPlain(o.text.replace(/\s+/g, ' ').trim()) };
    case 'error':
      return { statusCode: o.status, type: ERROR_RESPONSE_TYPE, value: { code: o.code, message: o.message } };
  }
}

/** The invoke response activity (`status` is the HTTP status the adapter answers with). */
export function invokeResponse(body: AdaptiveCardInvokeBody): Partial<Activity> {
  return { type: 'invokeResponse', value: { status: body.statusCode, body } };
}

/** The same outcome as a message, for clients that sent an Action.Submit. */
export function outcomeMessage(o: ActionOutcome, ctx: RenderContext): Partial<Activity> {
  switch (o.kind) {
    case 'card':
      return cardMessage(o.card, o.text);
    case 'message':
      return replyMessage({ kind: 'text', text: o.text }, ctx);
    case 'post':
      return replyMessage(o.reply, ctx);
    case 'error':
      return replyMessage({ kind: 'error', message: o.message }, ctx);
  }
}

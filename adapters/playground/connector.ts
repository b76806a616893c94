/**
 * The playground's Bot Framework Connector emulator: the `serviceUrl` of every activity the
 * playground sends, so the Teams adapter's replies and proactive messages land here, in the
 * conversation log, instead of at Microsoft. It serves the calls botbuilder makes:
 *
 *   POST   v3/conversations                                  create a conversation (a 1:1 chat)
 *   POST   v3/conversations/{conversationId}/activities      post a message
 *   POST   v3/conversations/{conversationId}/activities/{id} reply (shown as a post)
 *   PUT    v3/conversations/{conversationId}/activities/{id} update a message (card refresh)
 *   DELETE v3/conversations/{conversationId}/activities/{id} delete a message
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, sendJson } from '../../src/server.js';
import type { ConversationLog, MessageDraft, PlaygroundAttachment } from './log.js';
import { personalConversationId } from './world.js';

export const CONNECTOR_PREFIX = '/playground/connector/';
export const ADAPTIVE_CARD = 'application/vnd.microsoft.card.adaptive';
/** Bot Framework activities are small; the Teams adapter refuses bigger ones too. */
export const MAX_ACTIVITY_BYTES = 512 * 1024;
const MAX_TEXT = 30_000;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** What a message activity shows: its text and attachments; null for other activity types (typing, …). */
export function draftOf(activity: unknown, isBot: boolean): MessageDraft | null {
  if (!isObj(activity)) return null;
  if (activity.type !== undefined && activity.type !== 'message') return null;
  const from = isObj(activity.from) ? activity.from : {};
  const attachments: PlaygroundAttachment[] = [];
  for (const a of Array.isArray(activity.attachments) ? activity.attachments : []) {
    if (!isObj(a) || typeof a.contentType !== 'string') continue;
    if (a.contentType === ADAPTIVE_CARD && isObj(a.content)) attachments.push({ contentType: ADAPTIVE_CARD, content: a.content });
    else if (a.contentType === 'text/csv' && isBot && typeof a.content === 'string') attachments.push({ contentType: 'text/csv', content: a.content, ...(typeof a.name === 'string' ? { name: a.name.slice(0, 200) } : {}) });
    else attachments.push({ contentType: a.contentType.slice(0, 200), ...(typeof a.name === 'string' ? { name: a.name.slice(0, 200) } : {}) });
  }
  const text = str(activity.text);
  return {
    from: {
      id: str(from.id) ?? (isBot ? 'bot' : 'user'),
      name: str(from.name) ?? (isBot ? 'pimbot' : 'someone'),
      ...(str(from.aadObjectId) ? { aadObjectId: str(from.aadObjectId) } : {}),
      isBot,
    },
    text: text !== undefined && text !== '' ? text.slice(0, MAX_TEXT) : null,
    textFormat: str(activity.textFormat) ?? null,
    attachments,
    replyToId: str(activity.replyToId) ?? null,
  };
}

interface Call {
  method: string;
  conversationId: string | null;
  activityId: string | null;
  create: boolean;
}

const decode = (s: string): string | null => {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
};

/** Reads the route from the path after the prefix; null when it is not a connector call. */
export function connectorCall(method: string, pathname: string): Call | null {
  if (!pathname.startsWith(CONNECTOR_PREFIX)) return null;
  const parts = pathname.slice(CONNECTOR_PREFIX.length).split('/').filter((p) => p !== '');
  if (parts[0] !== 'v3' || parts[1] !== 'conversations') return null;
  if (parts.length === 2) return method === 'POST' ? { method, conversationId: null, activityId: null, create: true } : null;
  if (parts[3] !== 'activities' || parts.length > 5) return null;
  const conversationId = decode(parts[2] as string);
  const activityId = parts[4] === undefined ? null : decode(parts[4]);
  if (!conversationId || (parts[4] !== undefined && !activityId)) return null;
  return { method, conversationId, activityId, create: false };
}

const notFound = (res: ServerResponse, what: string) => sendJson(res, 404, { error: { code: 'NotFound', message: what } });

/** The HTTP handler of every `/playground/connector/*` request. */
export function connectorHandler(log: ConversationLog) {
  return async function handleConnector(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = req.method ?? 'GET';
    const call = connectorCall(method, url.pathname);
    if (!call) return notFound(res, `the playground connector does not serve ${method} ${url.pathname}`);

    let body: unknown = null;
    if (method === 'POST' || method === 'PUT') {
      try {
        const text = await readBody(req, MAX_ACTIVITY_BYTES);
        body = text ? JSON.parse(text) : null;
      } catch (err) {
        const tooBig = (err as { status?: number }).status === 413;
        sendJson(res, tooBig ? 413 : 400, { error: { code: 'BadArgument', message: tooBig ? 'activity too large' : 'the body is not JSON' } });
        return;
      }
    }

    if (call.create) {
      // A 1:1 chat: the same id the playground uses for the person, so it shows in their DM.
      const params = isObj(body) ? body : {};
      const member = Array.isArray(params.members) && isObj(params.members[0]) ? params.members[0] : null;
      const aad = str(member?.aadObjectId) ?? str(member?.id);
      if (!aad) return sendJson(res, 400, { error: { code: 'BadArgument', message: 'members[0] must name the user' } });
      const id = personalConversationId(aad);
      const draft = isObj(params.activity) ? draftOf(params.activity, true) : null;
      const posted = draft ? log.append(id, draft) : null;
      return sendJson(res, 201, { id, ...(posted ? { activityId: posted.id } : {}) });
    }

    const conversationId = call.conversationId as string;
    switch (method) {
      case 'POST': {
        const draft = draftOf(body, true);
        if (!draft) return sendJson(res, 200, { id: `pg-ignored-${randomUUID()}` });
        const posted = log.append(conversationId, { ...draft, replyToId: draft.replyToId ?? call.activityId });
        return sendJson(res, 200, { id: posted.id });
      }
      case 'PUT': {
        const draft = draftOf(body, true);
        if (!draft || !call.activityId) return sendJson(res, 400, { error: { code: 'BadArgument', message: 'an update needs a message activity and its id' } });
        const updated = log.update(conversationId, call.activityId, { text: draft.text, textFormat: draft.textFormat, attachments: draft.attachments });
        return updated ? sendJson(res, 200, { id: updated.id }) : notFound(res, `no activity ${call.activityId} in ${conversationId}`);
      }
      case 'DELETE':
        if (call.activityId && log.remove(conversationId, call.activityId)) {
          res.writeHead(200).end();
          return;
        }
        return notFound(res, `no activity ${call.activityId ?? ''} in ${conversationId}`);
      default:
        return notFound(res, `the playground connector does not serve ${method} ${url.pathname}`);
    }
  };
}

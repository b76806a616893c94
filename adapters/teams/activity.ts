/**
 * Pure readers of incoming Bot Framework activities: the command text, the users mentioned in it,
 * and the verb and data of a card action (Universal Actions invoke or Action.Submit fallback).
 * Everything read here is untrusted input.
 */
import type { Activity } from 'botbuilder';
import type { UserRef } from '../../src/commands/index.js';

/** The invoke name of Universal Actions (`Action.Execute`). */
export const CARD_ACTION_INVOKE = 'adaptiveCard/action';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

interface MentionEntity {
  text: string;
  mentioned: { id: string; name?: string; aadObjectId?: string };
}

function mentionEntities(activity: Partial<Activity>): MentionEntity[] {
  const out: MentionEntity[] = [];
  for (const e of (activity.entities ?? []) as unknown[]) {
    if (!isObj(e) || e.type !== 'mention' || typeof e.text !== 'string' || !isObj(e.mentioned)) continue;
    const m = e.mentioned;
    if (typeof m.id !== 'string') continue;
    out.push({
      text: e.text,
      mentioned: { id: m.id, name: typeof m.name === 'string' ? m.name : undefined, aadObjectId: typeof m.aadObjectId === 'string' ? m.aadObjectId : undefined },
    });
  }
  return out;
}

/** The lower-cased AAD object id of whoever sent the activity, if Teams gave one. */
export function senderAadId(activity: Partial<Activity>): string | null {
  const id = activity.from?.aadObjectId;
  return typeof id === 'string' && id.trim() !== '' ? id.trim().toLowerCase() : null;
}

/**
 * The command text: the activity's text without the bot's own `<at>…</at>` mention (wherever it
 * stands). A leading `pim` is left for the command parser, which drops it.
 */
export function commandText(activity: Partial<Activity>): string {
  let text = typeof activity.text === 'string' ? activity.text : '';
  const botId = activity.recipient?.id;
  for (const m of mentionEntities(activity)) {
    if (botId !== undefined && m.mentioned.id === botId) text = text.split(m.text).join(' ');
  }
  return text.replace(/\s+/g, ' ').trim();
}

const AT_TEXT = /^<at>([^]*)<\/at>$/i;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The other users `<at>`-mentioned in a message, keyed by the mention's text (what the parser
 * sees between `<at>` and `</at>`), each resolved through `resolve` (lower-cased AAD object id to a
 * principal id, or null). A mention that resolves to nobody is left out: the parser then says so.
 */
export function mentionedUsers(activity: Partial<Activity>, resolve: (aadObjectId: string) => string | null): Record<string, UserRef> {
  const out: Record<string, UserRef> = {};
  const botId = activity.recipient?.id;
  for (const m of mentionEntities(activity)) {
    if (botId !== undefined && m.mentioned.id === botId) continue;
    const name = (AT_TEXT.exec(m.text.trim())?.[1] ?? m.mentioned.name ?? '').trim();
    const aad = m.mentioned.aadObjectId ?? (GUID.test(m.mentioned.id) ? m.mentioned.id : undefined);
    if (!name || !aad) continue;
    const id = resolve(aad.toLowerCase());
    if (id) out[name] = { kind: 'id', id };
  }
  return out;
}

/** A card action: its verb and the data that came with it (button hint merged with input values). */
export interface CardAction {
  verb: string;
  data: Obj;
}

/** Reads an `adaptiveCard/action` invoke value: `{ action: { type: 'Action.Execute', verb, data } }`. */
export function readExecuteAction(value: unknown): CardAction | null {
  if (!isObj(value) || !isObj(value.action)) return null;
  const a = value.action;
  if (a.type !== 'Action.Execute' || typeof a.verb !== 'string' || a.verb === '') return null;
  if (a.data !== undefined && a.data !== null && !isObj(a.data)) return null;
  return { verb: a.verb, data: isObj(a.data) ? a.data : {} };
}

/**
 * Reads the `value` of a message sent by an `Action.Submit` (clients without Universal Actions):
 * `{ verb, ...data }`, `{ action: '<verb>', ...data }`, or an `Action.Execute` payload downgraded to
 * a submit, `{ action: { verb, data }, ...inputs }`. Null when it is none of these.
 */
export function readSubmitAction(value: unknown): CardAction | null {
  if (!isObj(value)) return null;
  const { verb, action, ...rest } = value;
  if (typeof verb === 'string' && verb !== '') return { verb, data: typeof action === 'string' ? { ...rest, action } : rest };
  if (typeof action === 'string' && action !== '') return { verb: action, data: rest };
  if (isObj(action) && typeof action.verb === 'string' && action.verb !== '') {
    return { verb: action.verb, data: { ...(isObj(action.data) ? action.data : {}), ...rest } };
  }
  return null;
}

/** True for a message that carries card data rather than typed text. */
export function isSubmit(activity: Partial<Activity>): boolean {
  return isObj(activity.value) && (typeof activity.text !== 'string' || activity.text.trim() === '');
}

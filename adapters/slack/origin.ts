/**
 * Where an interaction came from, so its answer goes back there: a slash command or a message
 * (answered ephemerally through its `response_url`) or the App Home (answered by republishing it).
 * A modal carries its origin in `private_metadata` under the key `slack`, next to what cards put
 * there, so the view submission can answer in the same place.
 */
import { LIMITS } from '../../cards/slack/index.js';

export interface Origin {
  /** Slack's response URL of the command or message (ephemeral answers, valid 30 minutes). */
  responseUrl?: string;
  /** The interaction came from the App Home tab: republish it afterwards. */
  home?: boolean;
}

const KEY = 'slack';

/** The origin of a block action: its message's response URL, or the App Home. */
export function actionOrigin(body: { response_url?: string; view?: { type?: string } }): Origin {
  const home = body.view?.type === 'home';
  return { ...(body.response_url ? { responseUrl: body.response_url } : {}), ...(home ? { home: true } : {}) };
}

/** The view with its origin added to `private_metadata` (left out if it would not fit). */
export function withOrigin<V extends { private_metadata?: string }>(view: V, origin: Origin): V {
  if (!origin.responseUrl && !origin.home) return view;
  let meta: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(view.private_metadata ?? '{}');
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return view;
    meta = parsed as Record<string, unknown>;
  } catch {
    return view;
  }
  const json = JSON.stringify({ ...meta, [KEY]: origin });
  return json.length <= LIMITS.privateMetadata ? { ...view, private_metadata: json } : view;
}

/** The origin a submitted view carries; empty when it has none. */
export function originOf(view: { private_metadata?: string }): Origin {
  try {
    const meta = JSON.parse(view.private_metadata ?? '{}') as Record<string, unknown> | null;
    const o = meta?.[KEY] as Record<string, unknown> | undefined;
    if (!o || typeof o !== 'object') return {};
    const url = typeof o.responseUrl === 'string' && /^https?:\/\//.test(o.responseUrl) ? o.responseUrl : undefined;
    return { ...(url ? { responseUrl: url } : {}), ...(o.home === true ? { home: true } : {}) };
  } catch {
    return {};
  }
}

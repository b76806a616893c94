/**
 * Who and where a person can be in the playground, derived from the config: the directory's users
 * with a Teams id (each with a one-line description of what they do), their 1:1 chats with the
 * bot, and the configured channels with a Teams id. Also the Bot Framework identities the
 * playground channel uses (bot account, tenant, conversation ids).
 */
import type { PimConfig } from '../../src/config/pim-config.js';
import type { Pim, Principal } from '../../src/core/index.js';

/** The Bot Framework channel id of activities the playground sends. */
export const PLAYGROUND_CHANNEL_ID = 'playground';
/** Where the Teams adapter takes Bot Framework activities. */
export const MESSAGES_PATH = '/api/messages';
/** The invoke name of Universal Actions (`Action.Execute`), as Teams sends it. */
export const CARD_ACTION_INVOKE = 'adaptiveCard/action';
/** The playground's own tenant: activities carry one, as Teams' do. */
export const PLAYGROUND_TENANT = '00000000-0000-0000-0000-0000000000e0';
export const PLAYGROUND_BOT = { id: '28:pimbot-playground', name: 'pimbot' } as const;
/** At most this many users are offered (a large directory in dev mode stays usable). */
export const MAX_USERS = 50;

export type Duty = 'admin' | 'approver' | 'reviewer' | 'engineer';

export interface PlaygroundUser {
  /** Principal id (e-mail or directory object id). */
  id: string;
  name: string;
  /** AAD object id, as Teams sends it in `from.aadObjectId`. */
  aadObjectId: string;
  /** Bot Framework user id (`29:…`). */
  accountId: string;
  duty: Duty;
  /** One line: what this person does in the demo. */
  description: string;
  /** Their 1:1 chat with the bot. */
  conversationId: string;
}

export interface PlaygroundPlace {
  /** The config's channel name (`approvals`, `security`, …). */
  key: string;
  label: string;
  conversationId: string;
  description: string;
}

export interface World {
  users: PlaygroundUser[];
  places: PlaygroundPlace[];
}

const DESCRIPTIONS: Record<Duty, string> = {
  admin: 'PIM admin: assigns roles, reads the audit trail and alerts',
  approver: 'approves or denies requests in #approvals',
  reviewer: 'reviews access and reads the audit trail',
  engineer: 'asks for roles when needed: try "activate Owner 1h"',
};

const PLACE_DESCRIPTIONS: Record<string, string> = {
  approvals: 'where approval requests are posted for approvers',
  security: 'alerts, notified activations and the weekly digest',
};

/** The 1:1 chat id of a user (the emulator answers the same id when the bot creates one). */
export const personalConversationId = (aadObjectId: string): string => `a:pg-dm-${aadObjectId.toLowerCase()}`;

function dutyOf(pim: Pim, config: PimConfig, p: Principal): Duty {
  if (pim.directory.isAdmin(p.id)) return 'admin';
  const approves = pim.roles.some((role) =>
    role.scopes.some((scope) => {
      try {
        return pim.canDecide(p.id, { kind: 'activate', role: role.name, scope: scope.path });
      } catch {
        return false;
      }
    }),
  );
  if (approves) return 'approver';
  if (pim.directory.matches(config.auditors, p.id)) return 'reviewer';
  return 'engineer';
}

export function buildWorld(pim: Pim, config: PimConfig): World {
  const users = pim.directory
    .all()
    .filter((p): p is Principal & { teams: string } => p.kind === 'user' && typeof p.teams === 'string' && p.teams !== '')
    .slice(0, MAX_USERS)
    .map((p): PlaygroundUser => {
      const duty = dutyOf(pim, config, p);
      return {
        id: p.id,
        name: p.name,
        aadObjectId: p.teams.toLowerCase(),
        accountId: `29:pg-${p.teams.toLowerCase()}`,
        duty,
        description: DESCRIPTIONS[duty],
        conversationId: personalConversationId(p.teams),
      };
    });
  const places = Object.entries(config.channels)
    .filter((e): e is [string, { teams: string }] => typeof e[1].teams === 'string' && e[1].teams !== '')
    .map(([key, c]) => ({ key, label: `#${key}`, conversationId: c.teams, description: PLACE_DESCRIPTIONS[key] ?? `the ${key} channel` }));
  return { users, places };
}

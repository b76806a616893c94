/** What every Teams handler gets, and who is speaking: the sender resolved on the server. */
import type { Activity } from 'botbuilder';
import type { RenderContext } from '../../cards/model.js';
import { type Actor, isPimError, PimError } from '../../src/core/index.js';
import type { ChatAdapterDeps } from '../types.js';
import { senderAadId } from './activity.js';
import { tenantOf, type ReferenceBook } from './references.js';
import { renderContext } from './render.js';

export interface TeamsDeps extends Pick<ChatAdapterDeps, 'pim' | 'env' | 'config' | 'clock' | 'logger' | 'messageRefs'> {
  references: ReferenceBook;
}

export const renderFor = (deps: TeamsDeps): RenderContext => renderContext(deps.env, deps.clock);

export type Sender = { ok: true; actor: Actor } | { ok: false; message: string };

/**
 * The principal behind an activity, through the directory's binding of their AAD object id. A
 * card's data never names the actor: only `from.aadObjectId`, which Teams sets, does. With a
 * tenant configured (TEAMS_APP_TENANT_ID), an activity from any other tenant is refused (audited):
 * an object id is only unique within its tenant.
 */
export function resolveSender(deps: TeamsDeps, activity: Partial<Activity>): Sender {
  const aad = senderAadId(activity);
  if (!aad) return { ok: false, message: new PimError('unknown_user', { platform: 'teams' }).message };
  const expected = deps.env.teams.tenantId;
  const tenant = tenantOf(activity);
  if (expected && tenant?.toLowerCase() !== expected.toLowerCase()) {
    deps.pim.identityRefused('teams', aad, 'wrong_workspace', { tenantId: tenant }).catch((err: unknown) => deps.logger.warn({ err }, 'teams: could not audit an activity from another tenant'));
    return { ok: false, message: new PimError('wrong_workspace', { expected: `tenant ${expected}`, actual: `tenant ${tenant ?? 'unknown'}` }).message };
  }
  try {
    return { ok: true, actor: { principal: deps.pim.resolve('teams', aad), platform: 'teams' } };
  } catch (e) {
    if (isPimError(e)) return { ok: false, message: e.message };
    throw e;
  }
}

/** Resolves a mentioned user's AAD object id to a principal id, or null. */
export function principalIdOf(deps: TeamsDeps, aadObjectId: string): string | null {
  try {
    return deps.pim.resolve('teams', aadObjectId).id;
  } catch (e) {
    if (isPimError(e)) return null;
    throw e;
  }
}

/** Enrolling an authenticator (the check itself, used by activation, extension and approval, is shared/mfa-check.ts). */
import { PimError } from '../errors.js';
import { subjects } from '../keys.js';
import type { Actor } from '../types.js';
import { appendAudit, auditRefusal, isAdmin, type PimDeps } from '../shared/index.js';

/**
 * Enrols an authenticator for `principalId` and returns its secret and `otpauth://` URI, to be
 * shown once to the person (never queued, never stored in plaintext). Anyone may enrol
 * themselves once; replacing an authenticator, or enrolling someone else, takes an admin at the
 * CLI: from a chat account it would let whoever holds that account past MFA.
 */
export async function enrollMfa(deps: PimDeps, actor: Actor, principalId: string): Promise<{ secret: string; uri: string }> {
  return auditRefusal(deps, actor, 'mfa_enroll', subjects.principal(principalId), { principal: principalId }, async () => {
    const { enroll, isEnrolled } = deps.mfa;
    if (!enroll || !isEnrolled) throw new PimError('invalid_input', { message: 'MFA enrolment is not available in this pimbot.' });
    const target = deps.directory.require(principalId);
    const self = target.id.toLowerCase() === actor.principal.id.toLowerCase();
    const adminAtCli = isAdmin(deps, actor) && actor.platform === 'cli';
    if (!self && !adminAtCli) throw new PimError('not_admin');
    const now = deps.clock.now();
    return deps.store.transaction(async (uow) => {
      const replaced = await isEnrolled.call(deps.mfa, uow, target.id);
      if (replaced && !adminAtCli) throw new PimError('mfa_already_enrolled');
      const enrollment = await enroll.call(deps.mfa, uow, target.id, now);
      await appendAudit(uow, { at: now, actor: actor.principal.id, action: 'mfa.enrolled', subject: subjects.principal(target.id), details: { principal: target.id, platform: actor.platform, replaced } });
      return enrollment;
    });
  });
}

/**
 * Submit of the approve modal (a role whose policy asks approvers for an MFA code): the decision,
 * made by the core with the code. A missing, wrong or used code is shown on the code field and
 * the modal stays open (each wrong code counts toward the lockout); any other refusal (locked,
 * not an approver, already decided) closes the modal and is told where Approve was pressed.
 */
import { APPROVE_CODE } from '../../../../cards/actions.js';
import { clip } from '../../../../cards/format.js';
import type { Reply } from '../../../../cards/model.js';
import { escapeSlack, readApproveSubmission } from '../../../../cards/slack/index.js';
import { decide } from '../../../shared/commands.js';
import { answer, guarded, refreshHome } from '../../answer.js';
import { firstDelivery, type SlackDeps } from '../../deps.js';
import { originOf } from '../../origin.js';
import { ackOnce, type ViewArgs } from './submission.js';

const CODE_ERRORS = new Set(['mfa_required', 'mfa_invalid', 'mfa_reused']);

export async function approveSubmitted({ view, body, ack, client }: ViewArgs, deps: SlackDeps): Promise<void> {
  const done = ackOnce(ack);
  const to = { client, slackUserId: body.user.id, origin: originOf(view) };
  const close = async (reply: Reply) => {
    await done();
    await answer(deps, to, reply);
  };
  await guarded(deps, 'approve form', close, async () => {
    const submission = readApproveSubmission(view);
    if (!submission || !(await firstDelivery(deps, 'view', body.trigger_id))) return done();
    const who = await deps.identity.resolve(body.user.id);
    if (!who.ok) return close({ kind: 'error', message: who.message });
    const result = await decide(deps.pim, who.actor, submission.requestId, 'approved', null, submission.code);
    if (result.ok) {
      await done();
      deps.metrics.approvals.inc({ outcome: 'approved' });
      return refreshHome(deps, { ...to, actor: who.actor });
    }
    // A wrong code that locked MFA closes the form: no code can be tried again until then.
    if (CODE_ERRORS.has(result.error.code) && !result.error.details.lockedUntil) {
      return done({ response_action: 'errors', errors: { [APPROVE_CODE]: clip(escapeSlack(result.error.message), 500) } });
    }
    await close({ kind: 'error', message: result.error.message });
  });
}

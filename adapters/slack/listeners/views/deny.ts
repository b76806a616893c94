/**
 * Submit of the deny-reason modal: the decision, made by the core. A missing or too long reason is
 * shown on the reason field; any other refusal (not an approver, already decided) closes the modal
 * and is told where the Deny button was pressed. The card is updated through the outbox.
 */
import { DENY_REASON } from '../../../../cards/actions.js';
import { clip } from '../../../../cards/format.js';
import type { Reply } from '../../../../cards/model.js';
import { escapeSlack, readDenySubmission } from '../../../../cards/slack/index.js';
import { decide } from '../../../shared/commands.js';
import { answer, guarded, refreshHome } from '../../answer.js';
import { firstDelivery, type SlackDeps } from '../../deps.js';
import { originOf } from '../../origin.js';
import { ackOnce, type ViewArgs } from './submission.js';

const REASON_ERRORS = new Set(['reason_required', 'reason_too_long']);

export async function denySubmitted({ view, body, ack, client }: ViewArgs, deps: SlackDeps): Promise<void> {
  const done = ackOnce(ack);
  const to = { client, slackUserId: body.user.id, origin: originOf(view) };
  const close = async (reply: Reply) => {
    await done();
    await answer(deps, to, reply);
  };
  await guarded(deps, 'deny form', close, async () => {
    const submission = readDenySubmission(view);
    if (!submission || !(await firstDelivery(deps, 'view', body.trigger_id))) return done();
    const who = await deps.identity.resolve(body.user.id);
    if (!who.ok) return close({ kind: 'error', message: who.message });
    const result = await decide(deps.pim, who.actor, submission.requestId, 'denied', submission.reason);
    if (result.ok) {
      await done();
      deps.metrics.approvals.inc({ outcome: 'denied' });
      return refreshHome(deps, { ...to, actor: who.actor });
    }
    if (REASON_ERRORS.has(result.error.code)) {
      return done({ response_action: 'errors', errors: { [DENY_REASON]: clip(escapeSlack(result.error.message), 500) } });
    }
    await close({ kind: 'error', message: result.error.message });
  });
}

/**
 * Submit of the alert dismissal modal: the dismissal, made by the core, which updates every copy
 * of the alert's card in place through the outbox. A missing or too long reason is shown on the
 * reason field; any other refusal (not an admin, already dismissed or resolved) closes the modal
 * and is told where the Dismiss button was pressed.
 */
import { DISMISS_REASON } from '../../../../cards/actions.js';
import { clip } from '../../../../cards/format.js';
import type { Reply } from '../../../../cards/model.js';
import { escapeSlack, readDismissAlertSubmission } from '../../../../cards/slack/index.js';
import { dismissAlertFrom } from '../../../shared/commands.js';
import { answer, guarded } from '../../answer.js';
import { firstDelivery, type SlackDeps } from '../../deps.js';
import { originOf } from '../../origin.js';
import { ackOnce, type ViewArgs } from './submission.js';

const REASON_ERRORS = new Set(['reason_required', 'reason_too_long']);

export async function dismissAlertSubmitted({ view, body, ack, client }: ViewArgs, deps: SlackDeps): Promise<void> {
  const done = ackOnce(ack);
  const to = { client, slackUserId: body.user.id, origin: originOf(view) };
  const close = async (reply: Reply) => {
    await done();
    await answer(deps, to, reply);
  };
  await guarded(deps, 'alert dismissal form', close, async () => {
    const submission = readDismissAlertSubmission(view);
    if (!submission || !(await firstDelivery(deps, 'view', body.trigger_id))) return done();
    const who = await deps.identity.resolve(body.user.id);
    if (!who.ok) return close({ kind: 'error', message: who.message });
    const result = await dismissAlertFrom(deps.pim, who.actor, submission.alertId, submission.reason);
    if (result.ok) return done();
    if (REASON_ERRORS.has(result.error.code)) {
      return done({ response_action: 'errors', errors: { [DISMISS_REASON]: clip(escapeSlack(result.error.message), 500) } });
    }
    await close({ kind: 'error', message: result.error.message });
  });
}

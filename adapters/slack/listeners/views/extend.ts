/**
 * Submit of the extension modal. Refusals tied to a field (a duration past the policy's maximum,
 * a missing reason or ticket, a wrong MFA code) are shown on that field (`response_action:
 * errors`); others redraw the form with the message (`update`), or close it and say why when the
 * role is no longer active. On success the modal closes and the answer goes where the modal was
 * opened from.
 */
import type { ExtensionForm, Reply } from '../../../../cards/model.js';
import { readExtensionSubmission, slackExtensionModal, slackViewErrors } from '../../../../cards/slack/index.js';
import { submitExtension } from '../../../shared/commands.js';
import { answer, guarded } from '../../answer.js';
import { firstDelivery, renderContext, type SlackDeps } from '../../deps.js';
import { originOf, withOrigin, type Origin } from '../../origin.js';
import { ackOnce, type ViewArgs, type ViewResponse } from './submission.js';

export async function extensionSubmitted({ view, body, ack, client }: ViewArgs, deps: SlackDeps): Promise<void> {
  const done = ackOnce(ack);
  const origin = originOf(view);
  const to = { client, slackUserId: body.user.id, origin };
  const close = async (reply: Reply) => {
    await done();
    await answer(deps, to, reply);
  };
  await guarded(deps, 'extension form', close, async () => {
    const submission = readExtensionSubmission(view);
    if (!submission || !(await firstDelivery(deps, 'view', body.trigger_id))) return done();
    const who = await deps.identity.resolve(body.user.id);
    if (!who.ok) return close({ kind: 'error', message: who.message });
    const result = await submitExtension(deps.pim, who.actor, {
      role: submission.role,
      scope: submission.scope,
      duration: submission.durationText,
      reason: submission.reason,
      ticket: submission.ticket,
      code: submission.code,
    });
    if (result.ok) {
      await done();
      return answer(deps, { ...to, actor: who.actor }, result.reply);
    }
    const response = refusal(deps, view, origin, result.errors, result.form);
    if (response) return done(response);
    await close({ kind: 'error', message: Object.values(result.errors).join(' ') });
  });
}

/** Inline errors when every one belongs to an input of this modal; else the form redrawn with them; else null (close). */
function refusal(deps: SlackDeps, view: ViewArgs['view'], origin: Origin, errors: ExtensionForm['errors'], form: ExtensionForm | null): ViewResponse | null {
  const inputs = new Set(Object.keys(view.state?.values ?? {}));
  const inline = slackViewErrors(errors);
  const ids = Object.keys(inline);
  if (!errors.form && ids.length > 0 && ids.every((id) => inputs.has(id))) return { response_action: 'errors', errors: inline };
  if (form) return { response_action: 'update', view: withOrigin(slackExtensionModal(form, renderContext(deps)), origin) };
  return null;
}

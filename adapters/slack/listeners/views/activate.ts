/**
 * Submit of the activation modal. Refusals tied to a field are shown on that field
 * (`response_action: errors`); others redraw the form with the message (`update`). On success the
 * modal closes and the answer goes where the modal was opened from: the command's response URL,
 * or the App Home, which is republished.
 */
import type { ActivationForm, Reply } from '../../../../cards/model.js';
import { readActivationSubmission, slackActivationModal, slackViewErrors } from '../../../../cards/slack/index.js';
import type { Actor } from '../../../../src/core/index.js';
import { submitActivation } from '../../../shared/commands.js';
import { answer, guarded } from '../../answer.js';
import { firstDelivery, renderContext, type SlackDeps } from '../../deps.js';
import { originOf, withOrigin, type Origin } from '../../origin.js';
import { ackOnce, type ViewArgs, type ViewResponse } from './submission.js';

export async function activationSubmitted({ view, body, ack, client }: ViewArgs, deps: SlackDeps): Promise<void> {
  const done = ackOnce(ack);
  const origin = originOf(view);
  const to = { client, slackUserId: body.user.id, origin };
  const close = async (reply: Reply) => {
    await done();
    await answer(deps, to, reply);
  };
  await guarded(deps, 'activation form', close, async () => {
    const submission = readActivationSubmission(view);
    if (!submission || !(await firstDelivery(deps, 'view', body.trigger_id))) return done();
    const who = await deps.identity.resolve(body.user.id);
    if (!who.ok) return close({ kind: 'error', message: who.message });
    const scope = submission.scope ?? (submission.scopeIndex !== null ? await scopeAt(deps, who.actor, submission.role, submission.scopeIndex) : null);
    const result = await submitActivation(deps.pim, who.actor, {
      role: submission.role,
      scope,
      duration: submission.durationText,
      reason: submission.reason,
      ticket: submission.ticket,
      code: submission.code,
      startAt: submission.startAt,
    });
    if (result.ok) {
      await done();
      if (result.reply.kind === 'activation') deps.metrics.activations.inc({ outcome: result.reply.outcome });
      return answer(deps, { ...to, actor: who.actor }, result.reply);
    }
    const response = refusal(deps, view, origin, result.errors, result.form);
    if (response) return done(response);
    await close({ kind: 'error', message: Object.values(result.errors).join(' ') });
  });
}

/** The scope at an option index, when the modal had no room to carry the list. */
async function scopeAt(deps: SlackDeps, actor: Actor, role: string, index: number): Promise<string | null> {
  try {
    return (await deps.pim.planActivation(actor, { role })).eligibleScopes[index] ?? null;
  } catch {
    return null; // the submission then gets the core's own refusal
  }
}

/** Inline errors when every one belongs to an input of this modal; else the form redrawn with them; else null (close). */
function refusal(deps: SlackDeps, view: ViewArgs['view'], origin: Origin, errors: ActivationForm['errors'], form: ActivationForm | null): ViewResponse | null {
  const inputs = new Set(Object.keys(view.state?.values ?? {}));
  const inline = slackViewErrors(errors);
  const ids = Object.keys(inline);
  if (!errors.form && ids.length > 0 && ids.every((id) => inputs.has(id))) return { response_action: 'errors', errors: inline };
  if (form) return { response_action: 'update', view: withOrigin(slackActivationModal(form, renderContext(deps)), origin) };
  return null;
}

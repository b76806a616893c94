/**
 * What every button press does first: ack, drop a repeated delivery, resolve the presser to a
 * principal, read the button's hint. The hint is only a hint; the core re-reads the request or
 * assignment and checks the presser before anything changes.
 */
import { parseHint, type ActionHint } from '../../../../cards/actions.js';
import type { Reply } from '../../../../cards/model.js';
import type { Actor } from '../../../../src/core/index.js';
import { answer, guarded, type AnswerTarget, type RespondLike, type WebClient } from '../../answer.js';
import { afterAck, firstDelivery, type SlackDeps } from '../../deps.js';
import { actionOrigin } from '../../origin.js';

/** The parts of a `block_actions` request a button handler reads. */
export interface ButtonArgs {
  action: { action_id: string; value?: string; action_ts?: string };
  body: {
    user: { id: string };
    trigger_id?: string;
    response_url?: string;
    view?: { type?: string };
    /** The message's fields as they were when the button was pressed (a review item's reason). */
    state?: { values?: Record<string, Record<string, { value?: string | null }>> };
  };
  ack: () => Promise<void>;
  /** Answers through the message's response URL, present when the button is on a message. */
  respond?: RespondLike;
  client: WebClient;
}

export interface Press {
  actor: Actor;
  hint: ActionHint;
  to: AnswerTarget & { actor: Actor };
  tell: (reply: Reply) => Promise<void>;
}

/** The answer to a button whose hint cannot be read (an old or altered message). */
export const OUTDATED: Reply = { kind: 'error', message: 'This button is out of date. Type `/pim status` or open the pimbot App Home to see where things stand.' };

/** Acks the press, then (in its turn) runs `work` once for a known presser with a readable hint. */
export async function onPress(args: ButtonArgs, deps: SlackDeps, work: (p: Press) => Promise<void>): Promise<void> {
  await args.ack();
  await afterAck(deps, async () => {
    const { action, body, client } = args;
    if (!(await firstDelivery(deps, 'action', body.trigger_id ?? action.action_ts))) return;
    const base = { client, slackUserId: body.user.id, origin: actionOrigin(body), respond: args.respond };
    const tell = (reply: Reply) => answer(deps, base, reply);
    await guarded(deps, `button ${action.action_id}`, tell, async () => {
      const who = await deps.identity.resolve(body.user.id);
      if (!who.ok) return tell({ kind: 'error', message: who.message });
      const to = { ...base, actor: who.actor };
      const hint = parseHint(action.value);
      if (!hint) return answer(deps, to, OUTDATED);
      await work({ actor: who.actor, hint, to, tell: (reply) => answer(deps, to, reply) });
    });
  });
}

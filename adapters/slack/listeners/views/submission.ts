/** What a view submission handler reads, and how it answers exactly once. */
import type { SlackModalView, SubmittedView } from '../../../../cards/slack/index.js';
import type { WebClient } from '../../answer.js';

/** An answer to a `view_submission`: close (none), inline errors, or a new view in place. */
export type ViewResponse = { response_action: 'errors'; errors: Record<string, string> } | { response_action: 'update'; view: SlackModalView };

/** The parts of a `view_submission` request a handler reads. */
export interface ViewArgs {
  view: SubmittedView;
  body: { user: { id: string }; trigger_id?: string };
  ack: (response?: ViewResponse) => Promise<void>;
  client: WebClient;
}

/** An ack that only the first call sends: a handler that failed halfway still closes the modal once. */
export function ackOnce(ack: ViewArgs['ack']): ViewArgs['ack'] & { readonly done: boolean } {
  let done = false;
  const once = async (response?: ViewResponse) => {
    if (done) return;
    done = true;
    await ack(response);
  };
  return Object.defineProperty(once, 'done', { get: () => done }) as ViewArgs['ack'] & { readonly done: boolean };
}

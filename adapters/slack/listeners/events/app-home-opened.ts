/** `app_home_opened`: publishes the user's App Home (roles, requests, approvals waiting). */
import { publishHome, publishRefusalHome, type WebClient } from '../../answer.js';
import { afterAck, firstDelivery, type SlackDeps } from '../../deps.js';

export interface AppHomeOpenedArgs {
  event: { user: string; tab?: string };
  body: { event_id?: string };
  client: WebClient;
}

export async function appHomeOpened({ event, body, client }: AppHomeOpenedArgs, deps: SlackDeps): Promise<void> {
  if (event.tab !== undefined && event.tab !== 'home') return; // the Messages tab
  // Bolt has acked the event already; the Home is built in its turn.
  await afterAck(deps, async () => {
    if (!(await firstDelivery(deps, 'event', body.event_id))) return;
    try {
      const who = await deps.identity.resolve(event.user);
      if (!who.ok) return await publishRefusalHome(deps, client, event.user, who.message);
      await publishHome(deps, client, event.user, who.actor);
    } catch (err) {
      // Nobody to answer: the Home keeps its last version until the next open.
      deps.logger.error({ err, slackUserId: event.user }, 'slack: could not publish the App Home');
    }
  });
}

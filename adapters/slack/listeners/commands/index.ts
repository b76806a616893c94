/** Slash command listeners. */
import type { App } from '@slack/bolt';
import { responder } from '../../answer.js';
import type { SlackDeps } from '../../deps.js';
import { pimCommand } from './pim.js';

/** The slash command, as configured in manifest/slack.yaml. */
export const PIM_COMMAND = '/pim';

export function register(app: App, deps: SlackDeps): void {
  app.command(PIM_COMMAND, ({ command, ack, client }) => pimCommand({ command, ack, respond: responder(command.response_url), client }, deps));
}

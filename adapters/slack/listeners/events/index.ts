/** Events API listeners. Bolt acknowledges events before they reach a listener. */
import type { App } from '@slack/bolt';
import type { SlackDeps } from '../../deps.js';
import { appHomeOpened } from './app-home-opened.js';

export function register(app: App, deps: SlackDeps): void {
  app.event('app_home_opened', ({ event, body, client }) => appHomeOpened({ event, body, client }, deps));
}

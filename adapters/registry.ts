/** The chat adapters the composition root can start; each is optional until built. */
import type { ChatAdapterFactory } from './types.js';

export { slackAdapter } from './slack/index.js';
export { teamsAdapter } from './teams/index.js';
export const playgroundAdapter: ChatAdapterFactory | undefined = undefined;

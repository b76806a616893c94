/** The chat adapters the composition root can start; each is optional until built. */
import type { ChatAdapterFactory } from './types.js';

export const slackAdapter: ChatAdapterFactory | undefined = undefined;
export { teamsAdapter } from './teams/index.js';
export const playgroundAdapter: ChatAdapterFactory | undefined = undefined;

/** The chat adapters the composition root can start; each is optional until built. */
export { slackAdapter } from './slack/index.js';
export { teamsAdapter } from './teams/index.js';
export { playgroundAdapter } from './playground/index.js';

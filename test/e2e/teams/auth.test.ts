/**
 * `/api/messages` authentication: with TEAMS_APP_ID every activity needs a valid Bot Framework
 * token; with neither TEAMS_APP_ID nor dev mode every activity is refused. Refused activities run
 * nothing: no command, no stored reference, nothing sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPROVE } from '../../../cards/actions.js';
import { ConversationRefStore } from '../../../src/db/conversation-refs.js';
import { baseActivity, startTeamsBot, type TeamsBot } from './harness.js';

const APP_ID = '9f0c1d2e-3b4a-4c5d-8e6f-708192a3b4c5';

async function expectNothingHappened(bot: TeamsBot): Promise<void> {
  const pim = bot.app.pim;
  const bob = pim.actorFor('bob@example.com', 'teams');
  expect((await pim.myRoles(bob)).find((r) => r.role === 'Reader')?.active).toBeNull();
  expect(await pim.myRequests(bob)).toHaveLength(0);
  expect(bot.connector.calls).toHaveLength(0);
  expect(await new ConversationRefStore(bot.database.db).get('teams', 'service:url')).toBeNull();
}

describe('with TEAMS_APP_ID set (JWT validation)', () => {
  let bot: TeamsBot;
  beforeAll(async () => {
    bot = await startTeamsBot({ env: { PIM_DEV_MODE: 'false', TEAMS_APP_ID: APP_ID, TEAMS_APP_PASSWORD: 'not-a-real-secret' } });
  });
  afterAll(async () => {
    await bot?.close();
  });

  it('answers 401 to an activity without a token and runs nothing', async () => {
    const res = await bot.message('bob', 'pim activate Reader 30m');
    expect(res.status).toBe(401);
    await expectNothingHappened(bot);
  });

  it('answers 401 to an activity with a token that is not a Bot Framework JWT', async () => {
    const activity = { ...baseActivity('bob', bot.connector.url), type: 'message', text: 'pim activate Reader 30m' };
    const res = await bot.post(activity, { authorization: 'Bearer not.a.jwt' });
    expect(res.status).toBe(401);
    await expectNothingHappened(bot);
  });

  it('answers 401 to a card action without a token', async () => {
    const res = await bot.invoke('carol', APPROVE, { requestId: 'ABC123' });
    expect(res.status).toBe(401);
    await expectNothingHappened(bot);
  });
});

describe('with dev mode off and no TEAMS_APP_ID', () => {
  let bot: TeamsBot;
  beforeAll(async () => {
    bot = await startTeamsBot({ env: { PIM_DEV_MODE: 'false' } });
  });
  afterAll(async () => {
    await bot?.close();
  });

  it('refuses every activity, even one with a token', async () => {
    expect((await bot.message('bob', 'pim activate Reader 30m')).status).toBe(401);
    expect((await bot.invoke('carol', APPROVE, { requestId: 'ABC123' })).status).toBe(401);
    const activity = { ...baseActivity('bob', bot.connector.url), type: 'message', text: 'pim activate Reader 30m' };
    expect((await bot.post(activity, { authorization: 'Bearer anything' })).status).toBe(401);
    await expectNothingHappened(bot);
  });

  it('takes no part in delivering notices', () => {
    expect(bot.app.adapters.find((a) => a.platform === 'teams')?.messenger).toBeUndefined();
  });
});

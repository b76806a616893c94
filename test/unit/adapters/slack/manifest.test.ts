/** manifest/slack.yaml asks Slack for exactly what the adapter serves and needs. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SLACK_EVENTS_PATH } from '../../../../adapters/slack/index.js';
import { PIM_COMMAND } from '../../../../adapters/slack/listeners/commands/index.js';

const manifest = parse(readFileSync(new URL('../../../../manifest/slack.yaml', import.meta.url), 'utf8'));

describe('manifest/slack.yaml', () => {
  it('sends the slash command, interactivity and events to the one events URL', () => {
    const url = `https://YOUR-HOST${SLACK_EVENTS_PATH}`;
    expect(manifest.features.slash_commands).toEqual([expect.objectContaining({ command: PIM_COMMAND, url, should_escape: true })]);
    expect(manifest.settings.interactivity).toEqual({ is_enabled: true, request_url: url });
    expect(manifest.settings.event_subscriptions).toEqual({ request_url: url, bot_events: ['app_home_opened'] });
  });

  it('enables the App Home tab and the messages tab for DMs', () => {
    expect(manifest.features.app_home).toMatchObject({ home_tab_enabled: true, messages_tab_enabled: true });
  });

  it('asks for the bot scopes pimbot uses and no more', () => {
    expect(manifest.oauth_config.scopes.bot).toEqual(['commands', 'chat:write', 'im:write', 'files:write', 'users:read', 'users:read.email']);
    expect(manifest.oauth_config.scopes.user).toBeUndefined();
  });
});

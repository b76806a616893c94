/** Where an interaction's answer goes, carried through a modal's private_metadata; Slack's escaping undone. */
import { describe, expect, it } from 'vitest';
import { actionOrigin, originOf, withOrigin } from '../../../../adapters/slack/origin.js';
import { unescapeSlack } from '../../../../adapters/slack/text.js';
import { readDenySubmission } from '../../../../cards/slack/index.js';

describe('modal origin', () => {
  it('rides along with what cards put in private_metadata', () => {
    const view = withOrigin({ private_metadata: JSON.stringify({ requestId: 'R-1' }) }, { responseUrl: 'https://hooks.slack.com/actions/T/1/x' });
    expect(originOf(view)).toEqual({ responseUrl: 'https://hooks.slack.com/actions/T/1/x' });
    expect(readDenySubmission(view)).toEqual({ requestId: 'R-1', reason: '' });
  });

  it('is left out when it would not fit, and ignored when it is not a URL', () => {
    const big = { private_metadata: JSON.stringify({ role: 'x'.repeat(2990) }) };
    expect(withOrigin(big, { responseUrl: 'https://hooks.slack.com/x' })).toBe(big);
    expect(originOf({ private_metadata: JSON.stringify({ slack: { responseUrl: 'javascript:alert(1)', home: 'yes' } }) })).toEqual({});
    expect(originOf({ private_metadata: 'not json' })).toEqual({});
  });

  it('of a button: the message’s response URL, or the App Home', () => {
    expect(actionOrigin({ response_url: 'https://hooks.slack.com/a' })).toEqual({ responseUrl: 'https://hooks.slack.com/a' });
    expect(actionOrigin({ view: { type: 'home' } })).toEqual({ home: true });
    expect(actionOrigin({ view: { type: 'modal' } })).toEqual({});
  });
});

describe('unescapeSlack', () => {
  it('gives back what the user typed', () => {
    expect(unescapeSlack('a &amp;lt; b &lt;!channel&gt; &amp; <@U0BOB|bob>')).toBe('a &lt; b <!channel> & <@U0BOB|bob>');
  });
});

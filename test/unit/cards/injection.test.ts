/**
 * Text a user typed must never mention anyone, ping a channel or make a link, on either platform
 * (docs/ARCHITECTURE.md, "Rules the code keeps": escaping).
 */
import { describe, expect, it } from 'vitest';
import { FIELD } from '../../../cards/actions.js';
import { slackActivationModal, slackDenyModal, slackHome, slackNotice, slackReply } from '../../../cards/slack/index.js';
import { teamsActivationForm, teamsDenyForm, teamsFallbackText, teamsNotice, teamsReply } from '../../../cards/teams/index.js';
import { ACTIVATION_FORMS, ctx, DENY_FORMS, HOME, INJECTION, NOTICES, REPLIES } from './fixtures.js';

/** Slack parses `<...>`; Teams also renders markdown links. */
const RAW = ['<!channel>', '<@U123>', '<http'];
const RAW_TEAMS = [...RAW, '[x](http'];

/** Fields that hold text a user typed (or that echo it, like error messages). */
const USER_TEXT = new Set(['reason', 'ticket', 'decisionReason', 'name', 'role', 'scope', 'text', 'message', 'usage', 'summary', 'actor', 'subject', 'error', 'durationText']);

/** A copy with the injection appended to every field in `keys` (and to approver names). */
function inject<T>(value: T, keys: Set<string>): T {
  const walk = (v: unknown, key: string | null): unknown => {
    if (typeof v === 'string') return key !== null && keys.has(key) ? `${v} ${INJECTION}` : v;
    if (Array.isArray(v)) return v.map((x) => walk(x, key === 'approvers' || key === 'scopes' ? key.slice(0, -1) : null));
    if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, k === 'errors' ? inject(x, new Set(Object.keys(x as object))) : walk(x, k)]));
    return v;
  };
  return walk(value, null) as T;
}
const withReason = <T>(x: T): T => inject(x, new Set(['reason', 'decisionReason']));
const everywhere = <T>(x: T): T => inject(x, new Set([...USER_TEXT, 'approver', 'scope']));

/**
 * The JSON without the places that carry values back to the bot and are never displayed:
 * button values and action data (hints), input pre-fill, and modal metadata. The reason never
 * lands in a hint; role and scope do, raw, so the handler can look them up.
 */
function shown(payload: unknown): string {
  return JSON.stringify(payload, (k, v) => (['value', 'data', 'initial_value', 'private_metadata'].includes(k) && typeof v !== 'object' ? undefined : k === 'data' ? undefined : v));
}

const expectNoRaw = (json: string, raws: string[] = RAW): void => {
  for (const raw of raws) expect(json).not.toContain(raw);
};
const expectNoRawTeams = (json: string): void => expectNoRaw(json, RAW_TEAMS);

/** A card's ChoiceSet titles, and the card without them. */
function splitChoices(card: object): { choices: string[]; rest: unknown } {
  const choices: string[] = [];
  const rest: unknown = JSON.parse(JSON.stringify(card), (k, v: unknown) => {
    if (k !== 'choices' || !Array.isArray(v)) return v;
    for (const c of v as { title: string }[]) choices.push(c.title);
    return undefined;
  });
  return { choices, rest };
}

describe('a reason holding mentions and links', () => {
  const notices = NOTICES.map(([n, x]) => [n, withReason(x)] as const);
  const replies = REPLIES.map(([n, x]) => [n, withReason(x)] as const);

  it('is in the fixtures it is meant to test', () => {
    expect(JSON.stringify(notices)).toContain(INJECTION);
  });

  it.each(notices)('%s: Slack shows it escaped', (_n, notice) => {
    const json = JSON.stringify(slackNotice(notice, ctx));
    expectNoRaw(json);
    if (json.includes('Rotate')) expect(json).toContain('&lt;!channel&gt; &lt;@U123&gt; &lt;http://evil|click&gt; &amp; [x](http://evil)');
  });

  it.each(notices)('%s: Teams shows it escaped', (_n, notice) => {
    const json = JSON.stringify(teamsNotice(notice, ctx, { refreshUserIds: ['aad-1'] }));
    expectNoRawTeams(json);
    if (json.includes('Rotate')) expect(json).toContain('<\u200B!channel\\\\> <\u200B@U123\\\\> <\u200Bhttp://evil|click\\\\> & \\\\[x\\\\](http://evil)');
    expectNoRawTeams(teamsFallbackText(notice, ctx));
  });

  it.each(replies)('%s: both platforms show it escaped', (_n, reply) => {
    expectNoRaw(JSON.stringify(slackReply(reply, ctx)));
    expectNoRawTeams(JSON.stringify(teamsReply(reply, ctx)));
    expectNoRawTeams(teamsFallbackText(reply, ctx));
  });

  it('the App Home shows it escaped', () => {
    expectNoRaw(JSON.stringify(slackHome(withReason(HOME), ctx)));
  });

  it.each(ACTIVATION_FORMS)('%s form: shown nowhere raw, and pre-filled exactly as typed', (_n, form) => {
    const f = { ...form, reason: INJECTION };
    const modal = slackActivationModal(f, ctx);
    const card = teamsActivationForm(f, ctx);
    expectNoRaw(shown(modal));
    expectNoRawTeams(shown(card));
    const slackReason = modal.blocks.find((b) => b.block_id === FIELD.reason) as unknown as { element: { initial_value: string } };
    expect(slackReason.element.initial_value).toBe(INJECTION);
    expect((card.body as { id?: string; value?: string }[]).find((e) => e.id === FIELD.reason)?.value).toBe(INJECTION);
  });
});

describe('every piece of user text holding mentions and links', () => {
  it.each(NOTICES)('%s: neither platform shows it raw', (_n, notice) => {
    const hostile = everywhere(notice);
    expectNoRaw(shown(slackNotice(hostile, ctx)));
    expectNoRawTeams(shown(teamsNotice(hostile, ctx)));
    expectNoRaw(slackNotice(hostile, ctx).text);
    expectNoRawTeams(teamsFallbackText(hostile, ctx));
  });

  it.each(REPLIES)('%s: neither platform shows it raw', (_n, reply) => {
    const hostile = everywhere(reply);
    expectNoRaw(shown(slackReply(hostile, ctx)));
    expectNoRawTeams(shown(teamsReply(hostile, ctx)));
    expectNoRawTeams(teamsFallbackText(hostile, ctx));
  });

  it('the App Home does not show it raw', () => {
    expectNoRaw(shown(slackHome(everywhere(HOME), ctx)));
  });

  it.each(ACTIVATION_FORMS)('%s form: neither platform shows it raw', (_n, form) => {
    const hostile = everywhere(form);
    expect(JSON.stringify(hostile.errors)).toEqual(Object.keys(form.errors).length ? expect.stringContaining(INJECTION) : '{}');
    expectNoRaw(shown(slackActivationModal(hostile, ctx)));
    const card = teamsActivationForm(hostile, ctx);
    // Choice titles are not markdown: only the angle brackets matter there (no backslashes shown).
    const { choices, rest } = splitChoices(card);
    expectNoRawTeams(shown(rest));
    expect(choices.length).toBeGreaterThan(0);
    for (const title of choices) expectNoRaw(title);
  });

  it.each(DENY_FORMS)('%s deny form: neither platform shows it raw', (_n, form) => {
    const hostile = everywhere(form);
    expectNoRaw(shown(slackDenyModal(hostile)));
    expectNoRawTeams(shown(teamsDenyForm(hostile)));
  });
});

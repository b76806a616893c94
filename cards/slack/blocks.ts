/**
 * Block Kit types (the subset pimbot sends; `cards/` may not import `@slack/*`) and the
 * renderer from neutral `Content` to blocks. Every text object is built here, escaped and
 * clipped to Slack's limits.
 */
import { hintValue } from '../actions.js';
import { clip, oneLine } from '../format.js';
import type { Block, Button, Content, Line, Span } from '../content.js';
import { escapeSlack } from './escape.js';

export interface PlainText {
  type: 'plain_text';
  text: string;
  emoji?: boolean;
}
export interface Mrkdwn {
  type: 'mrkdwn';
  text: string;
  verbatim?: boolean;
}
export type TextObject = PlainText | Mrkdwn;

/** A Block Kit block or element, loosely typed (assignable to Bolt's `Block`). */
export interface SlackBlock {
  type: string;
  block_id?: string;
  [key: string]: unknown;
}

/** A message body for `chat.postMessage` / `chat.update` / `respond`. */
export interface SlackMessage {
  /** One-line summary: notifications and clients without blocks show it. Escaped. */
  text: string;
  blocks: SlackBlock[];
}

export interface SlackModalView {
  type: 'modal';
  callback_id: string;
  title: PlainText;
  submit?: PlainText;
  close?: PlainText;
  private_metadata?: string;
  clear_on_close?: boolean;
  blocks: SlackBlock[];
}
export interface SlackHomeView {
  type: 'home';
  blocks: SlackBlock[];
  private_metadata?: string;
}
/** A view for `views.open` / `views.update` / `views.publish`. */
export type View = SlackModalView | SlackHomeView;

/** The Block Kit limits pimbot keeps to (see https://docs.slack.dev/reference/block-kit). */
export const LIMITS = {
  messageBlocks: 50,
  viewBlocks: 100,
  sectionText: 3000,
  headerText: 150,
  fields: 10,
  fieldText: 2000,
  contextElements: 10,
  contextText: 3000,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2000,
  actionId: 255,
  blockId: 255,
  callbackId: 255,
  privateMetadata: 3000,
  viewTitle: 24,
  viewButton: 24,
  inputLabel: 2000,
  inputHint: 2000,
  placeholder: 150,
  textInputMax: 3000,
  selectOptions: 100,
  optionText: 75,
  optionValue: 150,
  messageText: 4000,
} as const;

/** plain_text, escaped and clipped. */
export function plain(text: string, max: number): PlainText {
  return { type: 'plain_text', text: clip(escapeSlack(text), max) || ' ', emoji: true };
}

/** mrkdwn from already-escaped markup, clipped; `verbatim` so Slack links nothing on its own. */
export function mrkdwn(markup: string, max: number): Mrkdwn {
  return { type: 'mrkdwn', text: clip(markup, max) || ' ', verbatim: true };
}

function span(s: Span): string {
  const text = escapeSlack(s.text);
  if (text.trim() === '') return text;
  switch (s.style) {
    case 'bold':
      return `*${text}*`;
    case 'italic':
      return `_${text}_`;
    case 'code':
      // A backtick inside would end the code span early.
      return `\`${text.replace(/`/g, 'ˋ')}\``;
    default:
      return text;
  }
}

/** A line of spans as escaped mrkdwn. */
export function line(l: Line): string {
  return l.map(span).join('');
}

export function button(b: Button): SlackBlock {
  return {
    type: 'button',
    text: plain(b.label, LIMITS.buttonText),
    action_id: b.action,
    value: hintValue(b.hint),
    ...(b.style ? { style: b.style } : {}),
  };
}

function actions(buttons: Button[]): SlackBlock {
  return { type: 'actions', elements: buttons.slice(0, LIMITS.actionsElements).map(button) };
}

const section = (lines: Line[]): SlackBlock => ({ type: 'section', text: mrkdwn(lines.map(line).join('\n'), LIMITS.sectionText) });

function renderBlock(b: Block): SlackBlock[] {
  switch (b.type) {
    case 'header':
      return [{ type: 'header', text: plain(oneLine(b.text), LIMITS.headerText) }];
    case 'text':
      return b.lines.length ? [section(b.lines)] : [];
    case 'note':
      return b.lines.length ? [{ type: 'context', elements: [mrkdwn(b.lines.map(line).join('\n'), LIMITS.contextText)] }] : [];
    case 'divider':
      return [{ type: 'divider' }];
    case 'facts': {
      const out: SlackBlock[] = [];
      for (let k = 0; k < b.facts.length; k += LIMITS.fields) {
        out.push({
          type: 'section',
          fields: b.facts.slice(k, k + LIMITS.fields).map((f) => mrkdwn(`*${escapeSlack(f.label)}*\n${escapeSlack(f.value)}`, LIMITS.fieldText)),
        });
      }
      return out;
    }
    case 'item': {
      const s = section(b.lines);
      // A field in a message: its value comes with the press of any button in it (block_actions `state`).
      const field: SlackBlock[] = b.input
        ? [
            {
              type: 'input',
              block_id: b.input.id,
              optional: true,
              label: plain(b.input.label, LIMITS.inputLabel),
              element: { type: 'plain_text_input', action_id: b.input.id, max_length: b.input.maxLength, ...(b.input.placeholder ? { placeholder: plain(b.input.placeholder, LIMITS.placeholder) } : {}) },
            },
          ]
        : [];
      const [only] = b.buttons;
      if (b.buttons.length === 1 && only && !b.input) return [{ ...s, accessory: button(only) }];
      return b.buttons.length ? [s, ...field, actions(b.buttons)] : [s, ...field];
    }
  }
}

/**
 * Renders content into at most `maxBlocks` blocks. Lists are already capped by the content; this
 * is the last guard: it drops trailing blocks (never the final buttons) and says how many.
 */
export function renderBlocks(c: Content, maxBlocks: number): SlackBlock[] {
  const body = c.blocks.flatMap(renderBlock);
  const tail = c.buttons.length ? [actions(c.buttons)] : [];
  if (body.length + tail.length <= maxBlocks) return [...body, ...tail];
  const keep = maxBlocks - tail.length - 1;
  const dropped = body.length - keep;
  return [...body.slice(0, keep), { type: 'context', elements: [mrkdwn(`…and ${dropped} more not shown.`, LIMITS.contextText)] }, ...tail];
}

/** The top-level `text` of a message: the one-line summary, escaped. */
export function fallbackText(summary: string): string {
  return clip(escapeSlack(oneLine(summary)), 300) || ' ';
}

/** A message from content. */
export function renderMessage(c: Content): SlackMessage {
  return { text: fallbackText(c.summary), blocks: renderBlocks(c, LIMITS.messageBlocks) };
}

/**
 * Expands Adaptive Card templates, and turns neutral `Content` into the data the message
 * template binds: spans rendered as Teams markdown, every piece escaped.
 */
import * as ACData from 'adaptivecards-templating';
import type { ActionHint } from '../actions.js';
import type { Block, Button, Content, Line, Span } from '../content.js';
import { clip, oneLine } from '../format.js';
import { escapeTeams, escapeTeamsPlain } from './escape.js';
import { MESSAGE_TEMPLATE } from './templates.js';

/** An Adaptive Card, as sent in an attachment (`contentType: application/vnd.microsoft.card.adaptive`). */
export interface AdaptiveCardJson {
  type: 'AdaptiveCard';
  $schema: string;
  version: string;
  body: unknown[];
  actions: unknown[];
  refresh?: { action: { type: 'Action.Execute'; verb: string; data: ActionHint }; userIds?: string[] };
  [key: string]: unknown;
}

/** Binds data into a template (`{ $root: data }`). */
export function expandTemplate(template: object, data: object): AdaptiveCardJson {
  return new ACData.Template(template).expand({ $root: data }) as AdaptiveCardJson;
}

/** Longest text put in one TextBlock or fact; Teams caps a message at about 28 KB. */
const TEXT_MAX = 3000;

function span(s: Span): string {
  const text = escapeTeams(s.text);
  if (text.trim() === '') return text;
  switch (s.style) {
    case 'bold':
      return `**${text}**`;
    case 'italic':
      return `_${text}_`;
    default:
      // Teams card markdown has no inline code; the text stands as it is.
      return text;
  }
}

export const teamsLine = (l: Line): string => clip(l.map(span).join(''), TEXT_MAX);

export interface ActionData {
  title: string;
  verb: string;
  data: ActionHint;
  style: 'positive' | 'destructive' | 'default';
}

export interface BlockData {
  type: Block['type'];
  text: string;
  lines: string[];
  facts: { label: string; value: string }[];
  actions: ActionData[];
  separator: boolean;
  /** An item's text field (Input.Text), sent with any Action.Execute on the card. */
  hasInput: boolean;
  input: { id: string; label: string; placeholder: string; maxLength: number };
}

export function actionData(b: Button): ActionData {
  return { title: escapeTeamsPlain(b.label), verb: b.action, data: b.hint, style: b.style === 'primary' ? 'positive' : b.style === 'danger' ? 'destructive' : 'default' };
}

const NO_INPUT = { id: '', label: '', placeholder: '', maxLength: 0 };

/** Content as the message template's data. A divider becomes a separator on the next block. */
export function messageData(c: Content): { blocks: BlockData[]; actions: ActionData[] } {
  const blocks: BlockData[] = [];
  let separator = false;
  for (const b of c.blocks) {
    if (b.type === 'divider') {
      separator = true;
      continue;
    }
    const base: BlockData = { type: b.type, text: '', lines: [], facts: [], actions: [], separator: separator || b.type === 'item', hasInput: false, input: NO_INPUT };
    separator = false;
    switch (b.type) {
      case 'header':
        blocks.push({ ...base, text: escapeTeams(oneLine(clip(b.text, 200))) });
        break;
      case 'text':
      case 'note':
        blocks.push({ ...base, lines: b.lines.map(teamsLine) });
        break;
      case 'facts':
        blocks.push({ ...base, facts: b.facts.map((f) => ({ label: escapeTeams(f.label), value: clip(escapeTeams(f.value), TEXT_MAX) })) });
        break;
      case 'item':
        blocks.push({
          ...base,
          lines: b.lines.map(teamsLine),
          actions: b.buttons.map(actionData),
          ...(b.input ? { hasInput: true, input: { id: b.input.id, label: escapeTeamsPlain(b.input.label), placeholder: escapeTeamsPlain(b.input.placeholder ?? ''), maxLength: b.input.maxLength } } : {}),
        });
        break;
    }
  }
  return { blocks, actions: c.buttons.map(actionData) };
}

/** Content as an Adaptive Card. */
export function messageCard(c: Content): AdaptiveCardJson {
  return expandTemplate(MESSAGE_TEMPLATE, messageData(c));
}

/** A one-line summary for an activity's `text` / `summary`, escaped like card text. */
export function fallbackLine(summary: string): string {
  return escapeTeams(clip(oneLine(summary), 300));
}

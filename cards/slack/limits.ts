/**
 * A validator for the Block Kit limits Slack enforces (it rejects the whole message otherwise).
 * Tests run every payload through it; it returns one line per problem, empty when all is well.
 */
import { LIMITS } from './blocks.js';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

class Checker {
  readonly problems: string[] = [];

  fail(path: string, message: string): void {
    this.problems.push(`${path}: ${message}`);
  }

  maxLen(path: string, v: unknown, max: number): void {
    if (typeof v === 'string' && v.length > max) this.fail(path, `${v.length} characters, more than ${max}`);
  }

  text(path: string, v: unknown, max: number, kinds: ('plain_text' | 'mrkdwn')[] = ['plain_text', 'mrkdwn']): void {
    if (!isObj(v)) return this.fail(path, 'missing text object');
    if (!kinds.includes(v.type as 'plain_text')) this.fail(`${path}.type`, `must be ${kinds.join(' or ')}, is ${String(v.type)}`);
    if (typeof v.text !== 'string' || v.text.length === 0) return this.fail(`${path}.text`, 'empty');
    this.maxLen(`${path}.text`, v.text, max);
    if (v.type === 'plain_text' && 'verbatim' in v) this.fail(path, 'verbatim is only for mrkdwn');
    if (v.type === 'mrkdwn' && 'emoji' in v) this.fail(path, 'emoji is only for plain_text');
  }

  element(path: string, e: unknown): void {
    if (!isObj(e)) return this.fail(path, 'not an object');
    if ('action_id' in e) this.maxLen(`${path}.action_id`, e.action_id, LIMITS.actionId);
    switch (e.type) {
      case 'button':
        this.text(`${path}.text`, e.text, LIMITS.buttonText, ['plain_text']);
        this.maxLen(`${path}.value`, e.value, LIMITS.buttonValue);
        this.maxLen(`${path}.url`, e.url, 3000);
        if ('style' in e && e.style !== 'primary' && e.style !== 'danger') this.fail(`${path}.style`, `invalid ${String(e.style)}`);
        break;
      case 'plain_text_input': {
        if ('placeholder' in e) this.text(`${path}.placeholder`, e.placeholder, LIMITS.placeholder, ['plain_text']);
        const max = typeof e.max_length === 'number' ? e.max_length : LIMITS.textInputMax;
        if (max > LIMITS.textInputMax) this.fail(`${path}.max_length`, `more than ${LIMITS.textInputMax}`);
        this.maxLen(`${path}.initial_value`, e.initial_value, max);
        break;
      }
      case 'static_select': {
        if ('placeholder' in e) this.text(`${path}.placeholder`, e.placeholder, LIMITS.placeholder, ['plain_text']);
        const options = Array.isArray(e.options) ? e.options : [];
        if (options.length === 0) this.fail(`${path}.options`, 'empty');
        if (options.length > LIMITS.selectOptions) this.fail(`${path}.options`, `${options.length} options, more than ${LIMITS.selectOptions}`);
        options.forEach((o, k) => {
          if (!isObj(o)) return this.fail(`${path}.options[${k}]`, 'not an object');
          this.text(`${path}.options[${k}].text`, o.text, LIMITS.optionText, ['plain_text']);
          if (typeof o.value !== 'string' || o.value.length === 0) this.fail(`${path}.options[${k}].value`, 'empty');
          this.maxLen(`${path}.options[${k}].value`, o.value, LIMITS.optionValue);
        });
        if (isObj(e.initial_option) && !options.some((o) => isObj(o) && o.value === (e.initial_option as Obj).value)) {
          this.fail(`${path}.initial_option`, 'not one of the options');
        }
        break;
      }
      default:
        break;
    }
  }

  block(path: string, b: unknown): void {
    if (!isObj(b)) return this.fail(path, 'not an object');
    this.maxLen(`${path}.block_id`, b.block_id, LIMITS.blockId);
    switch (b.type) {
      case 'section': {
        if (!('text' in b) && !('fields' in b)) this.fail(path, 'section needs text or fields');
        if ('text' in b) this.text(`${path}.text`, b.text, LIMITS.sectionText);
        if ('fields' in b) {
          const fields = Array.isArray(b.fields) ? b.fields : [];
          if (fields.length === 0) this.fail(`${path}.fields`, 'empty');
          if (fields.length > LIMITS.fields) this.fail(`${path}.fields`, `${fields.length} fields, more than ${LIMITS.fields}`);
          fields.forEach((f, k) => this.text(`${path}.fields[${k}]`, f, LIMITS.fieldText));
        }
        if ('accessory' in b) this.element(`${path}.accessory`, b.accessory);
        break;
      }
      case 'header':
        this.text(`${path}.text`, b.text, LIMITS.headerText, ['plain_text']);
        break;
      case 'context': {
        const els = Array.isArray(b.elements) ? b.elements : [];
        if (els.length === 0) this.fail(`${path}.elements`, 'empty');
        if (els.length > LIMITS.contextElements) this.fail(`${path}.elements`, `${els.length} elements, more than ${LIMITS.contextElements}`);
        els.forEach((e, k) => this.text(`${path}.elements[${k}]`, e, LIMITS.contextText));
        break;
      }
      case 'actions': {
        const els = Array.isArray(b.elements) ? b.elements : [];
        if (els.length === 0) this.fail(`${path}.elements`, 'empty');
        if (els.length > LIMITS.actionsElements) this.fail(`${path}.elements`, `${els.length} elements, more than ${LIMITS.actionsElements}`);
        const ids = els.map((e) => (isObj(e) ? e.action_id : undefined));
        if (new Set(ids).size !== ids.length) this.fail(`${path}.elements`, 'action_id repeated within the block');
        els.forEach((e, k) => this.element(`${path}.elements[${k}]`, e));
        break;
      }
      case 'input':
        // Messages may hold input blocks too: a button's press carries their values (block_actions `state`).
        this.text(`${path}.label`, b.label, LIMITS.inputLabel, ['plain_text']);
        if ('hint' in b) this.text(`${path}.hint`, b.hint, LIMITS.inputHint, ['plain_text']);
        this.element(`${path}.element`, b.element);
        break;
      case 'divider':
        break;
      default:
        this.fail(`${path}.type`, `unexpected block type ${String(b.type)}`);
    }
  }
}

/**
 * Checks a message (`{ text, blocks }`) or a view (`{ type: 'modal' | 'home', ... }`) against
 * Block Kit's limits: block counts, text lengths, fields, buttons, options, view metadata, and
 * unique block ids. Returns the problems found, one per line.
 */
export function checkBlockKitLimits(payload: unknown): string[] {
  const c = new Checker();
  if (!isObj(payload)) return ['payload: not an object'];
  const isView = payload.type === 'modal' || payload.type === 'home';
  const blocks = Array.isArray(payload.blocks) ? payload.blocks : null;
  if (!blocks) return ['blocks: missing'];
  const max = isView ? LIMITS.viewBlocks : LIMITS.messageBlocks;
  if (blocks.length > max) c.fail('blocks', `${blocks.length} blocks, more than ${max}`);
  if (!isView) {
    if (typeof payload.text !== 'string' || payload.text.length === 0) c.fail('text', 'missing fallback text');
    c.maxLen('text', payload.text, LIMITS.messageText);
  }
  if (payload.type === 'modal') {
    c.text('title', payload.title, LIMITS.viewTitle, ['plain_text']);
    if ('submit' in payload) c.text('submit', payload.submit, LIMITS.viewButton, ['plain_text']);
    if ('close' in payload) c.text('close', payload.close, LIMITS.viewButton, ['plain_text']);
    c.maxLen('callback_id', payload.callback_id, LIMITS.callbackId);
    if (blocks.some((b) => isObj(b) && b.type === 'input') && !('submit' in payload)) c.fail('submit', 'a modal with inputs needs a submit button');
  }
  if (isView) c.maxLen('private_metadata', payload.private_metadata, LIMITS.privateMetadata);
  const ids = blocks.map((b) => (isObj(b) ? b.block_id : undefined)).filter((id) => id !== undefined);
  if (new Set(ids).size !== ids.length) c.fail('blocks', 'block_id repeated');
  blocks.forEach((b, k) => c.block(`blocks[${k}]`, b));
  return c.problems;
}

/**
 * Adaptive Card templates (schema 1.5), bound with `adaptivecards-templating`. Data is prepared
 * in `card.ts` / `forms.ts`: every string is already escaped and every bound key is present (the
 * templating engine leaves `${x}` in place when `x` is undefined).
 */
import { ACTIVATE_SUBMIT, DENY_REASON, DENY_SUBMIT, DISMISS_ALERT_SUBMIT, DISMISS_REASON, EXTEND_SUBMIT, FIELD, REASON_MAX } from '../actions.js';

export const CARD_SCHEMA = 'http://adaptivecards.io/schemas/adaptive-card.json';
export const CARD_VERSION = '1.5';

const envelope = { type: 'AdaptiveCard', $schema: CARD_SCHEMA, version: CARD_VERSION } as const;

const action = {
  $data: '${actions}',
  type: 'Action.Execute',
  title: '${title}',
  verb: '${verb}',
  data: '${data}',
  style: '${style}',
};

/**
 * Every notice and reply: a list of blocks (header, text lines, facts, list items with their
 * own buttons, small print) and the card's buttons.
 * Data: `{ blocks: BlockData[], actions: ActionData[] }`.
 */
export const MESSAGE_TEMPLATE = {
  ...envelope,
  body: [
    {
      type: 'Container',
      $data: '${blocks}',
      separator: '${separator}',
      items: [
        { type: 'TextBlock', $when: "${type == 'header'}", text: '${text}', style: 'heading', weight: 'Bolder', size: 'Medium', wrap: true },
        { type: 'Container', $when: "${type == 'text' || type == 'item'}", items: [{ type: 'TextBlock', $data: '${lines}', text: '${$data}', wrap: true, spacing: 'Small' }] },
        { type: 'Container', $when: "${type == 'note'}", items: [{ type: 'TextBlock', $data: '${lines}', text: '${$data}', wrap: true, isSubtle: true, size: 'Small', spacing: 'Small' }] },
        { type: 'FactSet', $when: "${type == 'facts'}", facts: [{ $data: '${facts}', title: '${label}', value: '${value}' }] },
        { type: 'Input.Text', $when: '${hasInput}', id: '${input.id}', label: '${input.label}', placeholder: '${input.placeholder}', maxLength: '${input.maxLength}' },
        { type: 'ActionSet', $when: "${count(actions) > 0}", actions: [action] },
      ],
    },
  ],
  actions: [action],
};

const error = (key: string) => ({ type: 'TextBlock', $when: `\${${key} != ''}`, text: `\${${key}}`, color: 'Attention', size: 'Small', spacing: 'None', wrap: true });

/**
 * The activation form. Data: title, intro lines, the pre-filled values, which fields show and
 * which are required, per-field errors ('' for none), the scope choices and the submit data.
 */
export const ACTIVATION_FORM_TEMPLATE = {
  ...envelope,
  body: [
    { type: 'TextBlock', text: '${title}', style: 'heading', weight: 'Bolder', size: 'Medium', wrap: true },
    { type: 'TextBlock', $data: '${intro}', text: '${$data}', wrap: true, isSubtle: true, spacing: 'Small' },
    error('errors.form'),
    {
      type: 'Input.Text',
      id: FIELD.duration,
      label: 'Duration',
      value: '${duration}',
      placeholder: '${durationHint}',
      maxLength: 40,
      isRequired: true,
      errorMessage: 'Give a duration such as 30m or 1h.',
    },
    error('errors.duration'),
    {
      type: 'Input.ChoiceSet',
      $when: '${show.scope}',
      id: FIELD.scope,
      label: 'Scope',
      style: 'compact',
      placeholder: 'Choose a scope',
      value: '${scope}',
      isRequired: '${required.scope}',
      errorMessage: 'Choose a scope.',
      choices: [{ $data: '${scopes}', title: '${title}', value: '${value}' }],
    },
    error('errors.scope'),
    {
      type: 'Input.Text',
      $when: '${show.reason}',
      id: FIELD.reason,
      label: 'Reason',
      isMultiline: true,
      maxLength: REASON_MAX,
      value: '${reason}',
      placeholder: 'What do you need it for?',
      isRequired: '${required.reason}',
      errorMessage: `Give a reason (at most ${REASON_MAX} characters).`,
    },
    error('errors.reason'),
    {
      type: 'Input.Text',
      $when: '${show.ticket}',
      id: FIELD.ticket,
      label: 'Ticket',
      value: '${ticket}',
      placeholder: '${ticketHint}',
      maxLength: 200,
      isRequired: '${required.ticket}',
      errorMessage: 'Give the ticket number.',
    },
    error('errors.ticket'),
    {
      type: 'Input.Text',
      $when: '${show.code}',
      id: FIELD.code,
      label: 'MFA code',
      placeholder: 'The current code from your authenticator app',
      maxLength: 10,
      isRequired: '${required.code}',
      errorMessage: 'Give the code from your authenticator app.',
    },
    error('errors.code'),
  ],
  actions: [{ type: 'Action.Execute', title: '${submitTitle}', verb: ACTIVATE_SUBMIT, data: '${submitData}', associatedInputs: 'auto', style: 'positive' }],
};

/**
 * The extension form: the activation form's fields (its data has `show.scope` false) with a
 * submit of verb `EXTEND_SUBMIT` whose data names the activation's role and scope.
 */
export const EXTENSION_FORM_TEMPLATE = {
  ...ACTIVATION_FORM_TEMPLATE,
  actions: [{ type: 'Action.Execute', title: '${submitTitle}', verb: EXTEND_SUBMIT, data: '${submitData}', associatedInputs: 'auto', style: 'positive' }],
};

/** The deny-reason form. Data: title, summary, error ('' for none), submitData `{ requestId }`. */
export const DENY_FORM_TEMPLATE = {
  ...envelope,
  body: [
    { type: 'TextBlock', text: '${title}', style: 'heading', weight: 'Bolder', size: 'Medium', wrap: true },
    { type: 'TextBlock', text: '${summary}', wrap: true },
    error('error'),
    {
      type: 'Input.Text',
      id: DENY_REASON,
      label: 'Reason',
      isMultiline: true,
      maxLength: REASON_MAX,
      placeholder: 'Why is it denied? The requester sees this.',
      isRequired: true,
      errorMessage: 'Give a reason for the denial.',
    },
  ],
  actions: [{ type: 'Action.Execute', title: 'Deny', verb: DENY_SUBMIT, data: '${submitData}', associatedInputs: 'auto', style: 'destructive' }],
};

/** The dismissal-reason form of a security alert; submit is `Action.Execute` verb `DISMISS_ALERT_SUBMIT`. */
export const DISMISS_ALERT_FORM_TEMPLATE = {
  ...envelope,
  body: [
    { type: 'TextBlock', text: '${title}', style: 'heading', weight: 'Bolder', size: 'Medium', wrap: true },
    { type: 'TextBlock', text: '${summary}', wrap: true },
    error('error'),
    {
      type: 'Input.Text',
      id: DISMISS_REASON,
      label: 'Reason',
      isMultiline: true,
      maxLength: REASON_MAX,
      placeholder: 'Why is it dismissed? The security channel sees this.',
      isRequired: true,
      errorMessage: 'Give a reason for the dismissal.',
    },
  ],
  actions: [{ type: 'Action.Execute', title: 'Dismiss', verb: DISMISS_ALERT_SUBMIT, data: '${submitData}', associatedInputs: 'auto' }],
};

// The playground page: a Teams-like client of the bot. It posts Bot Framework activities to
// /api/messages exactly as Teams does (messages, and `adaptiveCard/action` invokes for card
// buttons), and shows what the bot posts through the playground's Bot Connector emulator, which
// streams every conversation here over Server-Sent Events. Cards are rendered by the real
// Adaptive Cards renderer. All text goes into the page as text (textContent), never as HTML.
import { markdownFragment, markdownHtml } from './markdown.js';

const AC = window.AdaptiveCards;
const CARD = 'application/vnd.microsoft.card.adaptive';
const INVOKE_MESSAGE = 'application/vnd.microsoft.activity.message';
const INVOKE_ERROR = 'application/vnd.microsoft.error';
const STORE_KEY = 'pimbot.playground.v1';

const $ = (id) => document.getElementById(id);
const el = (tag, props = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') node.textContent = v;
    else if (k === 'className') node.className = v;
    else if (k === 'dataset') Object.assign(node.dataset, v);
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
};

const state = {
  setup: null,
  /** conversation id -> messages (oldest first) */
  conversations: new Map(),
  me: null,
  /** 'dm' or a place key */
  where: 'dm',
  /** conversation id -> highest seq read */
  read: {},
  clock: { now: null, offsetMs: 0, canTravel: false },
  /** A clock move answered before what it made due was worked through (the status line waits for the clock event that says so) */
  travelBusy: false,
  /** bot time minus this browser's time, ms */
  skewMs: 0,
  /** message id -> <li> of the conversation on screen */
  shown: new Map(),
  shownConversation: null,
};

// ---------- persistence of choices and read marks ----------

function loadPrefs() {
  try {
    const saved = JSON.parse(localStorage.getItem(STORE_KEY) ?? '{}');
    return typeof saved === 'object' && saved !== null ? saved : {};
  } catch {
    return {};
  }
}

function savePrefs() {
  try {
    localStorage.setItem(STORE_KEY, JSON.stringify({ me: state.me?.aadObjectId, where: state.where, read: state.read }));
  } catch {
    // private mode: choices last for this page only
  }
}

// ---------- time ----------

let timeFormat = null;
let shortTimeFormat = null;

function makeFormats(timeZone) {
  const zone = { timeZone };
  try {
    timeFormat = new Intl.DateTimeFormat('en-GB', { ...zone, weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', second: '2-digit', timeZoneName: 'short' });
    shortTimeFormat = new Intl.DateTimeFormat('en-GB', { ...zone, weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
  } catch {
    timeFormat = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'medium' });
    shortTimeFormat = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short' });
  }
}

function formatOffset(ms) {
  if (!ms || ms < 60_000) return 'real time';
  let rest = Math.round(ms / 60_000);
  const parts = [];
  for (const [unit, size] of [['d', 1440], ['h', 60], ['m', 1]]) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n}${unit}`);
    rest -= n * size;
  }
  return `${parts.join(' ')} ahead of real time`;
}

function setClock(clock) {
  state.clock = clock;
  state.skewMs = new Date(clock.now).getTime() - Date.now();
  renderClock();
  for (const b of document.querySelectorAll('.travel-btn, #travel-custom')) b.disabled = !clock.canTravel;
  if (!clock.canTravel) $('clock-status').textContent = 'This bot runs on a clock of its own: time travel is off.';
}

function renderClock() {
  if (!state.clock.now || !timeFormat) return;
  const now = new Date(Date.now() + state.skewMs);
  const node = $('bot-time');
  node.textContent = timeFormat.format(now);
  node.dateTime = now.toISOString();
  $('clock-offset').textContent = `(${formatOffset(state.clock.offsetMs)})`;
}

// The server answers once what the jump made due has been processed and delivered: the status
// line says so while it waits and is cleared then.
async function travel(by) {
  const status = $('clock-status');
  status.textContent = `Moving the clock forward ${by}; processing what came due…`;
  try {
    const res = await fetch('/playground/clock', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ by }) });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) {
      status.textContent = body.error ?? `The clock did not move (HTTP ${res.status}).`;
      return;
    }
    setClock(body);
    state.travelBusy = Boolean(body.busy);
    status.textContent = body.busy ? `Moved forward ${by}; the bot is still working through what came due.` : '';
  } catch {
    status.textContent = 'The bot did not answer. Is it still running?';
  }
}

// ---------- who and where ----------

const currentPlace = () => state.setup.places.find((p) => p.key === state.where) ?? null;
const conversationOf = (where, user = state.me) => (where === 'dm' ? user.conversationId : (state.setup.places.find((p) => p.key === where)?.conversationId ?? user.conversationId));
const currentConversation = () => conversationOf(state.where);

function unread(conversationId, viewer = state.me) {
  const seen = state.read[conversationId] ?? 0;
  return (state.conversations.get(conversationId) ?? []).filter((m) => m.seq > seen && m.from.aadObjectId !== viewer?.aadObjectId).length;
}

function badge(count) {
  // The count is part of the button's name; the badge is for the eye.
  return count > 0 ? el('span', { className: 'badge', text: count > 99 ? '99+' : String(count), 'aria-hidden': 'true' }) : null;
}

const DUTY_LABEL = { admin: 'admin', approver: 'approver', reviewer: 'reviewer', engineer: 'engineer' };

function renderPickers() {
  // The lists are rebuilt on every message; a keyboard user keeps their place.
  const focused = document.activeElement instanceof HTMLElement ? { ...document.activeElement.dataset } : {};
  const users = $('users');
  users.replaceChildren(
    ...state.setup.users.map((u) => {
      const selected = u.aadObjectId === state.me.aadObjectId;
      const count = unread(u.conversationId, u);
      const duty = DUTY_LABEL[u.duty] ?? u.duty;
      const descId = `user-desc-${u.aadObjectId}`;
      const button = el(
        'button',
        {
          type: 'button',
          className: 'pick',
          'aria-pressed': String(selected),
          'aria-label': `${u.name} (${duty})${count ? `, ${count} unread` : ''}`,
          'aria-describedby': descId,
          dataset: { user: u.aadObjectId },
          onclick: () => chooseUser(u),
        },
        el('span', { className: 'pick-main' }, el('span', { className: 'pick-name', text: u.name }), el('span', { className: `duty duty-${u.duty}`, text: `(${duty})` })),
        el('span', { className: 'pick-desc', id: descId, text: u.description }),
        badge(count),
      );
      return el('li', {}, button);
    }),
  );
  const places = $('places');
  const entries = [{ key: 'dm', label: 'Direct message with pimbot', description: `${state.me.name}'s 1:1 chat with the bot`, conversationId: state.me.conversationId }, ...state.setup.places];
  places.replaceChildren(
    ...entries.map((p) => {
      const selected = p.key === state.where;
      const count = selected ? 0 : unread(p.conversationId);
      return el(
        'li',
        {},
        el(
          'button',
          {
            type: 'button',
            className: 'pick',
            'aria-pressed': String(selected),
            'aria-label': `${p.label}${count ? `, ${count} unread` : ''}`,
            'aria-describedby': `place-desc-${p.key}`,
            dataset: { place: p.key },
            onclick: () => choosePlace(p.key),
          },
          el('span', { className: 'pick-main' }, el('span', { className: 'pick-name', text: p.label })),
          el('span', { className: 'pick-desc', id: `place-desc-${p.key}`, text: p.description }),
          badge(count),
        ),
      );
    }),
  );
  const again = focused.user ? users.querySelector(`[data-user="${CSS.escape(focused.user)}"]`) : focused.place ? places.querySelector(`[data-place="${CSS.escape(focused.place)}"]`) : null;
  again?.focus();
}

function chooseUser(user) {
  state.me = user;
  savePrefs();
  showConversation();
}

function choosePlace(key) {
  state.where = key;
  savePrefs();
  showConversation();
  $('composer-input').focus();
}

// ---------- messages ----------

function markRead(conversationId) {
  const list = state.conversations.get(conversationId) ?? [];
  const last = list.length ? list[list.length - 1].seq : 0;
  if ((state.read[conversationId] ?? 0) < last) {
    state.read[conversationId] = last;
    savePrefs();
  }
}

function authorOf(m) {
  if (m.from.isBot) return 'pimbot';
  return m.from.aadObjectId === state.me.aadObjectId ? `${m.from.name} (you)` : m.from.name;
}

/** A file the bot sent inline (the audit CSV) as a download link; any other attachment by name. */
function attachmentElement(a) {
  if (a.contentType === 'text/csv' && typeof a.content === 'string') {
    const link = el('a', { className: 'msg-download', text: `Download ${a.name ?? 'the file'}` });
    link.href = URL.createObjectURL(new Blob([a.content], { type: 'text/csv' }));
    link.download = a.name ?? 'pimbot.csv';
    return el('p', { className: 'msg-attachment' }, link);
  }
  return el('p', { className: 'msg-attachment', text: `Attachment: ${a.name ?? a.contentType}` });
}

function messageItem(m) {
  const mine = !m.from.isBot && m.from.aadObjectId === state.me.aadObjectId;
  const item = el('li', { className: `msg ${m.from.isBot ? 'msg-bot' : mine ? 'msg-me' : 'msg-other'}`, dataset: { id: m.id } });
  const at = new Date(m.at);
  item.append(
    el(
      'div',
      { className: 'msg-meta' },
      el('span', { className: 'msg-author', text: authorOf(m) }),
      el('time', { className: 'msg-time', datetime: m.at, text: shortTimeFormat ? shortTimeFormat.format(at) : m.at }),
      m.updatedAt ? el('span', { className: 'msg-updated', text: 'updated' }) : null,
    ),
  );
  const cards = m.attachments.filter((a) => a.contentType === CARD && a.content);
  if (cards.length === 0 && m.text) {
    const body = el('div', { className: m.textFormat === 'plain' ? 'msg-text msg-plain' : 'msg-text' });
    if (m.textFormat === 'plain') body.textContent = m.text;
    else body.append(markdownFragment(m.text));
    item.append(body);
  }
  cards.forEach((a, index) => item.append(cardElement(a.content, m, index)));
  for (const a of m.attachments.filter((x) => x.contentType !== CARD)) item.append(attachmentElement(a));
  item.append(el('p', { className: 'msg-status', role: 'status', 'aria-live': 'polite' }));
  return item;
}

function renderMessages() {
  const conversationId = currentConversation();
  const list = $('messages');
  const messages = state.conversations.get(conversationId) ?? [];
  state.shown = new Map();
  state.shownConversation = conversationId;
  if (messages.length === 0) {
    list.replaceChildren(el('li', { className: 'empty', text: state.where === 'dm' ? 'No messages yet. Type help, or try one of the commands below.' : 'No messages in this channel yet.' }));
    return;
  }
  list.replaceChildren(
    ...messages.map((m) => {
      const item = messageItem(m);
      state.shown.set(m.id, item);
      return item;
    }),
  );
  scrollToEnd();
}

function scrollToEnd() {
  const list = $('messages');
  list.scrollTop = list.scrollHeight;
}

function showConversation() {
  const place = currentPlace();
  $('chat-title').textContent = place ? place.label : 'pimbot';
  $('chat-subtitle').textContent = place ? `${place.description} · you are ${state.me.name}` : `Direct message · you are ${state.me.name} (${DUTY_LABEL[state.me.duty] ?? state.me.duty})`;
  $('composer-label').textContent = place ? `Message ${place.label} as ${state.me.name}` : `Message pimbot as ${state.me.name}`;
  document.title = `${place ? place.label : 'pimbot'} · ${state.me.name} · pimbot playground`;
  renderMessages();
  markRead(currentConversation());
  renderPickers();
}

function upsert(message) {
  const list = state.conversations.get(message.conversationId) ?? [];
  const i = list.findIndex((m) => m.id === message.id);
  if (i >= 0) list[i] = message;
  else list.push(message);
  state.conversations.set(message.conversationId, list);
  if (message.conversationId !== state.shownConversation) {
    renderPickers();
    return;
  }
  const item = messageItem(message);
  const old = state.shown.get(message.id);
  if (old) {
    // A card replaced under the keyboard keeps the focus on the message.
    const hadFocus = old.contains(document.activeElement);
    old.replaceWith(item);
    if (hadFocus) (item.querySelector('.ac-adaptiveCard[tabindex]') ?? item.querySelector('button, input, textarea, select'))?.focus();
  } else {
    $('messages').querySelector('.empty')?.remove();
    $('messages').append(item);
    scrollToEnd();
  }
  state.shown.set(message.id, item);
  if (document.visibilityState === 'visible') markRead(message.conversationId);
  renderPickers();
}

function removeMessage({ conversationId, id }) {
  const list = state.conversations.get(conversationId) ?? [];
  state.conversations.set(conversationId, list.filter((m) => m.id !== id));
  state.shown.get(id)?.remove();
  state.shown.delete(id);
  renderPickers();
}

// ---------- Bot Framework activities ----------

const newId = () => (crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(16).slice(2)}`);

/** An activity from the chosen person in the chosen conversation, as Teams would send it. */
function activity(extra) {
  const s = state.setup;
  const place = currentPlace();
  const conversation = place
    ? { id: place.conversationId, conversationType: 'channel', isGroup: true, name: place.label, tenantId: s.tenantId }
    : { id: state.me.conversationId, conversationType: 'personal', tenantId: s.tenantId };
  return {
    id: `pg-c-${newId()}`,
    timestamp: new Date(Date.now() + state.skewMs).toISOString(),
    channelId: s.channelId,
    serviceUrl: s.serviceUrl ?? `${location.origin}/playground/connector/`,
    from: { id: state.me.accountId, name: state.me.name, aadObjectId: state.me.aadObjectId },
    recipient: s.bot,
    conversation,
    channelData: { tenant: { id: s.tenantId }, ...(place ? { channel: { id: place.conversationId, name: place.label }, team: { id: place.conversationId } } : {}) },
    locale: 'en-US',
    ...extra,
  };
}

async function postActivity(body) {
  const res = await fetch(state.setup.messagesPath, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  try {
    return { status: res.status, body: text ? JSON.parse(text) : null };
  } catch {
    return { status: res.status, body: null };
  }
}

async function sendText(text) {
  const status = $('composer-status');
  status.textContent = '';
  const recorded = await fetch('/playground/api/messages', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ conversationId: currentConversation(), from: state.me.aadObjectId, text }),
  });
  const rec = await recorded.json().catch(() => ({}));
  if (!recorded.ok) {
    status.textContent = rec.error ?? `Not sent (HTTP ${recorded.status}).`;
    return false;
  }
  if (rec.message) upsert(rec.message);
  const res = await postActivity(activity({ id: rec.id, type: 'message', text, textFormat: 'plain' }));
  if (res.status >= 400) {
    status.textContent = res.body?.error ?? `The bot refused the message (HTTP ${res.status}).`;
    return false;
  }
  return true;
}

// ---------- cards ----------

const hostConfig = AC
  ? new AC.HostConfig({
      fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
      supportsInteractivity: true,
      spacing: { small: 4, default: 10, medium: 16, large: 20, extraLarge: 28, padding: 14 },
      separator: { lineThickness: 1, lineColor: '#d9dce3' },
      fontSizes: { small: 12, default: 14, medium: 16, large: 19, extraLarge: 23 },
      fontWeights: { lighter: 300, default: 400, bolder: 650 },
      containerStyles: {
        default: { backgroundColor: '#ffffff', foregroundColors: { default: { default: '#1f2330', subtle: '#5b6172' }, accent: { default: '#3b4bc8', subtle: '#5563d6' }, good: { default: '#17753a', subtle: '#2c8a4e' }, warning: { default: '#8a5a00', subtle: '#9c6a10' }, attention: { default: '#b3261e', subtle: '#c4443c' } } },
        emphasis: { backgroundColor: '#f3f4f8', foregroundColors: { default: { default: '#1f2330', subtle: '#5b6172' }, accent: { default: '#3b4bc8', subtle: '#5563d6' }, good: { default: '#17753a', subtle: '#2c8a4e' }, warning: { default: '#8a5a00', subtle: '#9c6a10' }, attention: { default: '#b3261e', subtle: '#c4443c' } } },
        good: { backgroundColor: '#eaf6ee' },
        attention: { backgroundColor: '#fbeceb' },
        warning: { backgroundColor: '#fdf4e3' },
        accent: { backgroundColor: '#eceefb' },
      },
      actions: { maxActions: 6, spacing: 'default', buttonSpacing: 8, showCard: { actionMode: 'inline', inlineTopMargin: 12 }, actionsOrientation: 'horizontal', actionAlignment: 'left' },
      factSet: { title: { weight: 'bolder', wrap: true, maxWidth: 160 }, value: { wrap: true }, spacing: 10 },
    })
  : null;

if (AC) {
  AC.AdaptiveCard.onProcessMarkdown = (text, result) => {
    result.outputHtml = markdownHtml(text);
    result.didProcess = true;
  };
}

function cardElement(json, message, index) {
  const holder = el('div', { className: 'card' });
  if (!AC) {
    holder.append(el('p', { className: 'msg-attachment', text: 'The Adaptive Cards renderer did not load.' }));
    return holder;
  }
  const card = new AC.AdaptiveCard();
  card.hostConfig = hostConfig;
  card.onExecuteAction = (action) => void runAction(action, message, index, holder);
  try {
    card.parse(json);
    const rendered = card.render();
    if (rendered) holder.append(rendered);
  } catch (err) {
    holder.append(el('p', { className: 'msg-attachment', text: `This card could not be shown: ${err?.message ?? err}` }));
  }
  return holder;
}

function statusOf(holder) {
  return holder.closest('.msg')?.querySelector('.msg-status');
}

function say(holder, text, kind = 'info') {
  const status = statusOf(holder);
  if (!status) return;
  status.textContent = text;
  status.dataset.kind = kind;
}

async function runAction(action, message, index, holder) {
  const type = action.getJsonTypeName();
  if (type === 'Action.OpenUrl') {
    const url = String(action.url ?? '');
    if (/^https?:\/\//i.test(url)) window.open(url, '_blank', 'noopener,noreferrer');
    return;
  }
  if (type !== 'Action.Execute' && type !== 'Action.Submit') return;
  const item = holder.closest('.msg');
  item?.setAttribute('aria-busy', 'true');
  holder.classList.add('busy');
  say(holder, 'Working…');
  try {
    if (type === 'Action.Submit') {
      const res = await postActivity(activity({ type: 'message', text: '', value: action.data ?? {}, replyToId: message.id }));
      say(holder, res.status < 400 ? '' : `The bot refused that (HTTP ${res.status}).`, res.status < 400 ? 'info' : 'error');
      return;
    }
    const res = await postActivity(
      activity({
        type: 'invoke',
        name: state.setup.invokeName,
        replyToId: message.id,
        value: { action: { type: 'Action.Execute', id: action.id, verb: action.verb, data: action.data ?? {} }, trigger: 'manual' },
      }),
    );
    const body = res.body;
    if (body?.type === CARD && body.value && typeof body.value === 'object') {
      say(holder, '');
      await replaceCard(message, index, body.value);
    } else if (body?.type === INVOKE_MESSAGE) {
      say(holder, String(body.value ?? ''), 'info');
    } else if (body?.type === INVOKE_ERROR) {
      say(holder, String(body.value?.message ?? 'That did not work.'), 'error');
    } else if (res.status >= 400) {
      say(holder, `The bot refused that (HTTP ${res.status}).`, 'error');
    } else {
      say(holder, '');
    }
  } catch {
    say(holder, 'The bot did not answer. Is it still running?', 'error');
  } finally {
    item?.removeAttribute('aria-busy');
    holder.classList.remove('busy');
  }
}

/** The card an invoke answered with takes the old one's place, here and in the conversation log. */
async function replaceCard(message, index, card) {
  const attachments = message.attachments.map((a, k) => (k === index || (index === undefined && a.contentType === CARD) ? { ...a, content: card } : a));
  upsert({ ...message, attachments, updatedAt: new Date(Date.now() + state.skewMs).toISOString() });
  const res = await fetch('/playground/api/messages', {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ conversationId: message.conversationId, id: message.id, card }),
  });
  const body = await res.json().catch(() => ({}));
  if (res.ok && body.message) upsert(body.message);
}

// ---------- the event stream ----------

function connect() {
  const connection = $('connection');
  const source = new EventSource('/playground/events');
  source.addEventListener('open', () => {
    connection.textContent = 'Connected';
    connection.dataset.state = 'open';
  });
  source.addEventListener('error', () => {
    connection.textContent = 'Reconnecting to the bot…';
    connection.dataset.state = 'lost';
  });
  source.addEventListener('snapshot', (e) => {
    const data = JSON.parse(e.data);
    state.conversations = new Map(Object.entries(data.conversations ?? {}));
    setClock(data.clock);
    showConversation();
  });
  source.addEventListener('message', (e) => upsert(JSON.parse(e.data)));
  source.addEventListener('update', (e) => upsert(JSON.parse(e.data)));
  source.addEventListener('delete', (e) => removeMessage(JSON.parse(e.data)));
  source.addEventListener('clock', (e) => {
    const clock = JSON.parse(e.data);
    setClock(clock);
    if (clock.settled && state.travelBusy) {
      state.travelBusy = false;
      $('clock-status').textContent = '';
    }
  });
}

// ---------- start ----------

async function start() {
  const res = await fetch('/playground/setup');
  if (!res.ok) throw new Error(`setup answered HTTP ${res.status}`);
  state.setup = await res.json();
  if (state.setup.users.length === 0) throw new Error('the directory has no users with a Teams id');
  makeFormats(state.setup.timeZone);

  const prefs = loadPrefs();
  state.read = typeof prefs.read === 'object' && prefs.read !== null ? prefs.read : {};
  state.me = state.setup.users.find((u) => u.aadObjectId === prefs.me) ?? state.setup.users[0];
  state.where = prefs.where === 'dm' || state.setup.places.some((p) => p.key === prefs.where) ? prefs.where : 'dm';
  setClock(state.setup.clock);
  showConversation();

  $('composer').addEventListener('submit', async (e) => {
    e.preventDefault();
    const input = $('composer-input');
    const text = input.value.trim();
    if (!text) return;
    const send = $('composer-send');
    send.disabled = true;
    try {
      if (await sendText(text)) input.value = '';
    } catch {
      $('composer-status').textContent = 'The bot did not answer. Is it still running?';
    } finally {
      send.disabled = false;
      input.focus();
    }
  });
  for (const chip of document.querySelectorAll('.chip')) {
    chip.addEventListener('click', () => {
      const input = $('composer-input');
      input.value = chip.dataset.command ?? '';
      input.focus();
    });
  }
  for (const b of document.querySelectorAll('[data-travel]')) b.addEventListener('click', () => travel(b.dataset.travel));
  $('travel-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const by = $('travel-custom').value.trim();
    if (by) travel(by);
  });
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') {
      markRead(currentConversation());
      renderPickers();
    }
  });
  setInterval(renderClock, 1000);
  connect();
}

start().catch((err) => {
  $('connection').textContent = `The playground could not start: ${err?.message ?? err}`;
  $('connection').dataset.state = 'lost';
});

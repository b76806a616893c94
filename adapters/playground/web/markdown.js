// The small markdown the bot's cards use, as Teams renders it: backslash escapes, **bold**,
// _italic_ and *italic*, `code` and line breaks. Everything else is text. The result is built
// from DOM text nodes, never parsed from a string, so nothing a user typed can become markup.

const ESCAPABLE = new Set('\\`*_{}[]()#+-.!~<>|'.split(''));

/** Index of the next unescaped `delim` in `text` at or after `from`, or -1. */
function findClosing(text, delim, from) {
  for (let i = from; i < text.length; i++) {
    if (text[i] === '\\') {
      i++;
      continue;
    }
    if (text.startsWith(delim, i)) return i;
  }
  return -1;
}

const isWordChar = (c) => c !== undefined && /[\p{L}\p{N}]/u.test(c);

/** Appends the nodes for `text` to `parent`. */
function appendInline(parent, text, depth) {
  let buffer = '';
  const flush = () => {
    if (buffer) parent.append(document.createTextNode(buffer));
    buffer = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && i + 1 < text.length && ESCAPABLE.has(text[i + 1])) {
      buffer += text[i + 1];
      i++;
      continue;
    }
    if (c === '\n') {
      flush();
      parent.append(document.createElement('br'));
      continue;
    }
    if (depth < 4 && text.startsWith('**', i)) {
      const end = findClosing(text, '**', i + 2);
      if (end > i + 2) {
        flush();
        const strong = document.createElement('strong');
        appendInline(strong, text.slice(i + 2, end), depth + 1);
        parent.append(strong);
        i = end + 1;
        continue;
      }
    }
    if (depth < 4 && (c === '_' || c === '*') && !isWordChar(text[i - 1]) && text[i + 1] !== undefined && text[i + 1] !== ' ') {
      const end = findClosing(text, c, i + 1);
      if (end > i + 1 && !isWordChar(text[end + 1])) {
        flush();
        const em = document.createElement('em');
        appendInline(em, text.slice(i + 1, end), depth + 1);
        parent.append(em);
        i = end;
        continue;
      }
    }
    if (c === '`') {
      const end = text.indexOf('`', i + 1);
      if (end > i) {
        flush();
        const code = document.createElement('code');
        code.textContent = text.slice(i + 1, end);
        parent.append(code);
        i = end;
        continue;
      }
    }
    buffer += c;
  }
  flush();
}

/** The markdown as a fragment of elements and text nodes. */
export function markdownFragment(text) {
  const fragment = document.createDocumentFragment();
  appendInline(fragment, String(text ?? ''), 0);
  return fragment;
}

/**
 * The markdown as HTML, for the Adaptive Cards renderer's `onProcessMarkdown` (which wants a
 * string): serialised from the fragment, so every character of the text comes out escaped.
 */
export function markdownHtml(text) {
  const holder = document.createElement('div');
  holder.append(markdownFragment(text));
  return holder.innerHTML;
}

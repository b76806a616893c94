/**
 * Checks on what arrives over HTTP before any library or the database sees it: the body's size,
 * its encoding, how deeply its JSON nests, that it is a JSON object, and which strings in it carry
 * characters chat input may not (src/commands/characters.ts). The Slack guard and the Teams
 * messages handler use these, so a malformed body is a 400 (or 413), never a crash or a 500.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { findForbiddenCharacter, type ForbiddenCharacter } from './commands/index.js';

/**
 * JSON nested deeper than this is refused before it is parsed. Real Slack and Bot Framework
 * payloads nest about 10 deep (a view's blocks, an Adaptive Card's containers); a 20,000-deep
 * array is an attack on whatever walks it afterwards (the jsonb parser, a recursive copy).
 */
export const MAX_JSON_DEPTH = 64;

/** A request the edge refuses: the status to answer and what to say. */
export class BadInput extends Error {
  constructor(
    readonly status: 400 | 413,
    message: string,
  ) {
    super(message);
    this.name = 'BadInput';
  }
}

/** Answers a refused body as JSON; after a 413 the connection is closed rather than drained. */
export function answerBadInput(res: ServerResponse, e: BadInput): void {
  const text = JSON.stringify({ error: e.message });
  res.writeHead(e.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...(e.status === 413 ? { connection: 'close' } : {}),
  });
  res.end(text);
}

/** Reads the whole body; more than `limit` bytes (announced or sent) is a BadInput 413. */
export async function readRawBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const announced = Number(req.headers['content-length']);
  if (Number.isFinite(announced) && announced > limit) {
    // Not read at all: answerBadInput closes the connection instead of draining it.
    throw new BadInput(413, `the body is larger than ${limit} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > limit) throw new BadInput(413, `the body is larger than ${limit} bytes`);
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The body as text; invalid UTF-8 is a BadInput 400 (both platforms send UTF-8). */
export function decodeUtf8(body: Buffer): string {
  try {
    return utf8.decode(body);
  } catch {
    throw new BadInput(400, 'the body is not valid UTF-8');
  }
}

/** Whether JSON text nests arrays and objects deeper than `max`; one pass, no recursion. */
export function jsonNestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return false;
}

/** Parses JSON that must be an object (not null, an array, a string or a number). */
export function parseJsonObject(text: string, what = 'the body'): Record<string, unknown> {
  if (jsonNestsDeeperThan(text, MAX_JSON_DEPTH)) throw new BadInput(400, `${what} nests deeper than ${MAX_JSON_DEPTH} levels`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new BadInput(400, `${what} is not JSON`);
  }
  if (!isPlainObject(value)) throw new BadInput(400, `${what} is not a JSON object`);
  return value;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A string somewhere in a parsed body that carries a forbidden character. */
export interface ForbiddenAt {
  /** Keys from the root to the string (or to the key that carries it). */
  path: (string | number)[];
  found: ForbiddenCharacter;
}

/**
 * Every string (values and keys) in `value` that carries a character chat input may not, up to
 * `limit` of them. Walks with an explicit stack, so no depth can overflow it.
 */
export function forbiddenCharactersIn(value: unknown, limit = 20): ForbiddenAt[] {
  const hits: ForbiddenAt[] = [];
  const stack: { value: unknown; path: (string | number)[] }[] = [{ value, path: [] }];
  while (stack.length > 0 && hits.length < limit) {
    const top = stack.pop() as { value: unknown; path: (string | number)[] };
    const v = top.value;
    if (typeof v === 'string') {
      const found = findForbiddenCharacter(v);
      if (found) hits.push({ path: top.path, found });
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], path: [...top.path, i] });
    } else if (typeof v === 'object' && v !== null) {
      for (const [k, child] of Object.entries(v)) {
        const inKey = findForbiddenCharacter(k);
        if (inKey) hits.push({ path: [...top.path, k], found: inKey });
        stack.push({ value: child, path: [...top.path, k] });
      }
    }
  }
  return hits;
}

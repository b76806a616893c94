/** Random identifiers: request ids short enough to type (`R-7K3F9Q`), others UUIDs. */
import { randomInt, randomUUID } from 'node:crypto';
import type { IdGenerator } from './core/index.js';

// Crockford-style alphabet without I, L, O, U: nothing to misread when typing an id.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export const randomIds: IdGenerator = {
  requestId(): string {
    let s = 'R-';
    for (let i = 0; i < 7; i++) s += ALPHABET[randomInt(ALPHABET.length)];
    return s;
  },
  id(): string {
    return randomUUID();
  },
};

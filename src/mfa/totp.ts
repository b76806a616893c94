/**
 * Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP): HMAC-SHA1, 30-second steps,
 * 6 digits, the parameters every authenticator app uses by default. Secrets are exchanged as
 * RFC 4648 base32 (no padding), as in `otpauth://` URIs.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export const DEFAULT_STEP_SECONDS = 30;
export const DEFAULT_DIGITS = 6;
/** 160 bits, the HMAC-SHA1 block-friendly size RFC 4226 recommends. */
export const SECRET_BYTES = 20;

export interface TotpOptions {
  /** Length of one time step in seconds (default 30). */
  stepSeconds?: number;
  /** Number of digits in a code, 6..10 (default 6). */
  digits?: number;
}

/** Encodes bytes as RFC 4648 base32, upper case, without `=` padding. */
export function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += BASE32_ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32_ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/**
 * Decodes RFC 4648 base32. Case-insensitive; spaces, dashes and trailing `=` padding are
 * ignored (people copy secrets in groups). Throws on any other character.
 */
export function base32Decode(text: string): Buffer {
  const clean = text.replace(/[\s-]/g, '').replace(/=+$/, '').toUpperCase();
  const out: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const ch of clean) {
    const value = BASE32_ALPHABET.indexOf(ch);
    if (value < 0) throw new Error(`invalid base32 character ${JSON.stringify(ch)}`);
    buffer = ((buffer << 5) | value) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((buffer >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** A new random TOTP secret: 20 bytes from the CSPRNG, base32-encoded (32 characters). */
export function generateSecret(): string {
  return base32Encode(randomBytes(SECRET_BYTES));
}

/** The RFC 6238 time step (counter) that contains `at`. */
export function timeStep(at: Date, stepSeconds: number = DEFAULT_STEP_SECONDS): number {
  checkStepSeconds(stepSeconds);
  const ms = at.getTime();
  if (!Number.isFinite(ms)) throw new Error('invalid date');
  return Math.floor(ms / 1000 / stepSeconds);
}

/** The HOTP value (RFC 4226) of a base32 secret for one counter value, zero-padded. */
export function hotp(secret: string, counter: number, digits: number = DEFAULT_DIGITS): string {
  return hotpKey(base32Decode(secret), counter, digits);
}

/** The TOTP code of a base32 secret at an instant. */
export function totpAt(secret: string, at: Date, options: TotpOptions = {}): string {
  return hotp(secret, timeStep(at, options.stepSeconds), options.digits ?? DEFAULT_DIGITS);
}

/**
 * Checks a 6-digit code against the steps `at` ± `window` and returns the step that matched,
 * or null. Spaces in the code are ignored ("123 456"); anything else but exactly six digits
 * fails. Every candidate is compared in constant time, and the current step wins over its
 * neighbours, so the caller can record it and refuse the same code twice.
 */
export function verifyTotp(secret: string, code: string, at: Date, window = 1): number | null {
  if (!Number.isInteger(window) || window < 0 || window > 10) {
    throw new Error(`TOTP window must be an integer 0..10, got ${window}`);
  }
  const given = code.replace(/\s+/g, '');
  if (!/^\d{6}$/.test(given)) return null;
  const key = base32Decode(secret);
  const givenBytes = Buffer.from(given, 'ascii');
  const current = timeStep(at);
  // Current step first, then the past and future neighbours outward.
  const candidates = [current];
  for (let d = 1; d <= window; d++) candidates.push(current - d, current + d);
  let matched: number | null = null;
  for (const step of candidates) {
    if (step < 0) continue;
    const expected = Buffer.from(hotpKey(key, step, DEFAULT_DIGITS), 'ascii');
    if (timingSafeEqual(expected, givenBytes) && matched === null) matched = step;
  }
  return matched;
}

export interface OtpauthUriInput {
  /** Base32 secret. */
  secret: string;
  /** The account shown in the authenticator, usually the principal id (e-mail). */
  account: string;
  /** The service name shown in the authenticator (default `pimbot`). */
  issuer?: string;
}

/**
 * The `otpauth://totp/...` URI authenticator apps import (Google Authenticator key URI format):
 * label `issuer:account` and every parameter percent-encoded, spaces as `%20`, never `+`.
 */
export function otpauthUri({ secret, account, issuer = 'pimbot' }: OtpauthUriInput): string {
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(account)}`;
  const params: [string, string][] = [
    ['secret', secret.replace(/[\s=-]/g, '').toUpperCase()],
    ['issuer', issuer],
    ['algorithm', 'SHA1'],
    ['digits', String(DEFAULT_DIGITS)],
    ['period', String(DEFAULT_STEP_SECONDS)],
  ];
  const query = params.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
  return `otpauth://totp/${label}?${query}`;
}

function hotpKey(key: Buffer, counter: number, digits: number): string {
  if (!Number.isSafeInteger(counter) || counter < 0) throw new Error(`invalid HOTP counter ${counter}`);
  if (!Number.isInteger(digits) || digits < 6 || digits > 10) {
    throw new Error(`TOTP digits must be an integer 6..10, got ${digits}`);
  }
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', key).update(msg).digest();
  // Dynamic truncation, RFC 4226 section 5.3.
  const offset = (mac[mac.length - 1] as number) & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

function checkStepSeconds(stepSeconds: number): void {
  if (!Number.isInteger(stepSeconds) || stepSeconds <= 0) {
    throw new Error(`TOTP step must be a positive integer of seconds, got ${stepSeconds}`);
  }
}

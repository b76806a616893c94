/** The weekly digest: built from the week's records (a pure function), sent once per ISO week. */
export { buildDigest, DIGEST_LIST_MAX, DIGEST_PERIOD_MS, isoWeek, type DigestInput } from './build.js';
export { sendDigest, type DigestOutcome } from './send.js';

/** Durations as people type them: `30m`, `1h`, `1h30m`, `90m`, `1.5h`, `2d`, `45s`. */

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
type Unit = keyof typeof UNIT_MS;

export const MINUTE = UNIT_MS.m;
export const HOUR = UNIT_MS.h;
export const DAY = UNIT_MS.d;

const DURATION_RE = /^(?:(\d+(?:\.\d+)?)([smhdw]))+$/i;
const PART_RE = /(\d+(?:\.\d+)?)([smhdw])/gi;

/** Parses a duration into milliseconds; null when the text is not a duration. */
export function parseDuration(text: string): number | null {
  const t = text.trim();
  if (t.length === 0 || t.length > 40 || !DURATION_RE.test(t)) return null;
  let total = 0;
  for (const m of t.matchAll(PART_RE)) {
    const n = Number(m[1]);
    const unit = (m[2] as string).toLowerCase() as Unit;
    total += n * UNIT_MS[unit];
  }
  total = Math.round(total);
  return Number.isFinite(total) && total > 0 ? total : null;
}

/** Formats milliseconds the way people type them: 90 minutes -> `1h30m`, 2 days -> `2d`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return '0m';
  let rest = Math.round(ms / 1000);
  const parts: string[] = [];
  for (const [unit, size] of [['d', 86_400], ['h', 3_600], ['m', 60], ['s', 1]] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n}${unit}`);
    rest -= n * size;
  }
  return parts.join('');
}

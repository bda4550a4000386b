// Duration text <-> milliseconds: human input ("90", "1m30s") in, Go's format ("5m0s") out for helm.

const UNIT_MS = { h: 3_600_000, m: 60_000, s: 1_000 } as const;
// Units in descending order, each at most once, so "5s1m" or "1m1m" is rejected rather than guessed at.
const DURATION_RE = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** Parses "90" (seconds), "30s", "5m", "1h", "1m30s"; returns null when the text is not a duration. */
export function parseDurationMs(text: string): number | null {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * UNIT_MS.s;
  const match = DURATION_RE.exec(trimmed);
  if (!match || trimmed === '') return null;
  const [, h = '0', m = '0', s = '0'] = match;
  return Number(h) * UNIT_MS.h + Number(m) * UNIT_MS.m + Number(s) * UNIT_MS.s;
}

/** Formats like Go's time.Duration.String() at whole-second precision: 300000 -> "5m0s". */
export function formatGoDuration(ms: number): string {
  // Round up so a sub-second timeout never becomes "0s", which helm reads as "no timeout".
  const total = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}

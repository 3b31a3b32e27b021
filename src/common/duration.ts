/** Durations as operators write them: `500ms`, `15s`, `1m`, `1m30s`, `1h`. Go's syntax, whole units. */
import { UNSIGNED_DECIMAL } from '../parse/number.js';

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
export const DURATION_RE = new RegExp(`^(?:${UNSIGNED_DECIMAL}(?:ms|s|m|h))+$`);
const PART_RE = new RegExp(`(${UNSIGNED_DECIMAL})(ms|s|m|h)`, 'g');

/** Milliseconds, or undefined when `text` is not a positive duration. */
export function parseDuration(text: string): number | undefined {
  if (!DURATION_RE.test(text)) return undefined;
  let ms = 0;
  for (const [, amount, unit] of text.matchAll(PART_RE)) ms += Number(amount) * (UNIT_MS[unit!] ?? 0);
  return ms > 0 && Number.isFinite(ms) ? Math.round(ms) : undefined;
}

/** `1500` → `1.5s`, `90000` → `1m30s`: the inverse of parseDuration for messages and tables. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${ms / 1000}s`;
  const m = Math.floor(ms / 60_000);
  const rest = ms - m * 60_000;
  return rest === 0 ? `${m}m` : `${m}m${formatDuration(rest)}`;
}

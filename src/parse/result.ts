/**
 * What every output parser returns: a value, or a message saying what was expected and what was
 * found. Parsers never throw on bad input; `line` is 1-based when the format has lines.
 */

export type ParseResult<T> = { ok: true; value: T } | { ok: false; message: string; line?: number };

const QUOTE_MAX = 80;

/** Quotes found text for a message: JSON string syntax, cut to 80 characters with an ellipsis. */
export function quote(text: string): string {
  const chars = Array.from(text);
  return JSON.stringify(chars.length > QUOTE_MAX ? `${chars.slice(0, QUOTE_MAX).join('')}…` : text);
}

/** The first line of `text` that is not blank, trimmed and cut to 200 characters: what a reason quotes. */
export function firstLine(text: string): string | undefined {
  const line = text.split('\n').find((l) => l.trim() !== '');
  return line === undefined ? undefined : line.trim().slice(0, 200);
}

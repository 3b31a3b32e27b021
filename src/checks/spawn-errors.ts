/**
 * Why a command could not start, worded as execa worded it when pushagent ran commands through it
 * (`Command failed with E2BIG: /bin/sh -c 'a b'`), so that messages did not change when the hot
 * path moved to node:child_process. ENOENT and EACCES have their own wording in process.ts.
 */

export function commandFailedReason(err: NodeJS.ErrnoException | undefined, file: string, args: readonly string[]): string {
  const command = [file, ...args].map((part) => quote(escapeControl(part))).join(' ');
  return `${err?.code === undefined ? 'Command failed' : `Command failed with ${err.code}`}: ${command}`;
}

/** Control characters, separators and newlines as \n, \t, \uXXXX: printable on one line. */
function escapeControl(text: string): string {
  return text.replace(SPECIAL, (ch) => COMMON[ch] ?? escapeCodePoint(ch.codePointAt(0)!));
}

function escapeCodePoint(codePoint: number): string {
  const hex = codePoint.toString(16);
  return codePoint <= 0xffff ? `\\u${hex.padStart(4, '0')}` : `\\U${hex}`;
}

const SPECIAL = /\p{Separator}|\p{Other}/gu;
const COMMON: Readonly<Record<string, string>> = { ' ': ' ', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** POSIX single quotes unless the part is plainly safe. */
function quote(part: string): string {
  return /^[\w./-]+$/.test(part) ? part : `'${part.replaceAll("'", "'\\''")}'`;
}

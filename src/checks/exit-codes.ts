/** Exit statuses in words (STYLE rule 7): what the shell's conventions mean, for humans. */

const MEANINGS: Readonly<Record<number, string>> = {
  1: 'general error',
  2: 'misuse or invalid arguments',
  126: 'command found but not executable',
  127: 'command not found',
  130: 'interrupted (SIGINT)',
  137: 'killed (SIGKILL, often the OOM killer)',
  143: 'terminated (SIGTERM)',
};

export function describeExit(code: number): string {
  const meaning = MEANINGS[code];
  return meaning ? `exit code ${code} (${meaning})` : `exit code ${code}`;
}

/**
 * Typed errors with a stable `code` (STYLE rule 7). Callers switch on `code` or the class, never on
 * `message`. Check failures are not errors: they are results (see agent/run-check.ts).
 */

export type ErrorCode = 'CONFIG_INVALID' | 'INSTANCE_UNKNOWN' | 'PUSH_FAILED';

export class PushagentError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** One thing a user can fix in a file, located as precisely as we know. */
export interface Problem {
  readonly file: string;
  readonly line?: number;
  readonly col?: number;
  readonly message: string;
}

export function formatProblem(p: Problem): string {
  const where = p.line === undefined ? p.file : `${p.file}:${p.line}:${p.col ?? 1}`;
  return `${where}: ${p.message}`;
}

/** Problems in reading order: by file, then line, then column. */
export function sortProblems(problems: readonly Problem[]): Problem[] {
  return [...problems].sort((a, b) =>
    a.file < b.file ? -1 : a.file > b.file ? 1 : (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0),
  );
}

/** The configuration or the checks are invalid: every problem found, not just the first. */
export class ConfigError extends PushagentError {
  readonly problems: readonly Problem[];

  constructor(problems: readonly Problem[]) {
    const sorted = sortProblems(problems);
    super('CONFIG_INVALID', sorted.map(formatProblem).join('\n'));
    this.problems = sorted;
  }
}

/**
 * Tells a user of an error pushagent understands, a line at a time through `say`: a ConfigError's
 * problems (`file:line:col: message`), then with `count` how many (`2 problems found`); another
 * PushagentError's message. Anything else is a bug: rethrown. Returns how many lines it said before
 * the count. The one wording of `validate`, `once`, `delete`, `exec` (stderr, with the count) and of
 * `run` at start and on reload (a log line each).
 */
export function tellUser(err: unknown, say: (line: string) => void, opts: { count?: boolean } = {}): number {
  if (!(err instanceof PushagentError)) throw err;
  const lines = err instanceof ConfigError ? err.problems.map(formatProblem) : [err.message];
  lines.forEach((line) => say(line));
  if (opts.count && err instanceof ConfigError) say(`${lines.length} problem${lines.length === 1 ? '' : 's'} found`);
  return lines.length;
}

export class InstanceError extends PushagentError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INSTANCE_UNKNOWN', message, options);
  }
}

/** What was being attempted when a destination refused, could not be reached or written. */
export type PushAction = 'push' | 'delete' | 'list groups' | 'write' | 'write file' | 'list files';

/** How each attempt reads in a message, `where` being the URL, file or folder. */
const ATTEMPTS: Readonly<Record<PushAction, (where: string) => string>> = {
  push: (where) => `push to ${where} failed`,
  delete: (where) => `delete of ${where} failed`,
  'list groups': (where) => `list groups at ${where} failed`,
  write: (where) => `write to ${where} failed`,
  'write file': (where) => `write of ${where} failed`,
  'list files': (where) => `cannot list ${where}`,
};

/**
 * A destination refused a push (a delete, a remote write, the listing of a gateway's groups) or
 * could not be reached; or a textfile could not be written, deleted or its folder listed. Kept as
 * this type up to where it is printed or logged.
 */
export class PushError extends PushagentError {
  /** The URL (credentials redacted), or a textfile sink's file or folder. */
  readonly url: string;
  /** The HTTP status; undefined when no answer came (or for a file). */
  readonly status: number | undefined;
  /** The receiver's own reason, or why no answer came (why a file failed). */
  readonly reason: string;
  readonly action: PushAction;

  constructor(
    url: string,
    status: number | undefined,
    reason: string,
    options?: { cause?: unknown; action?: PushAction },
  ) {
    const action = options?.action ?? 'push';
    const what = status === undefined ? reason : `HTTP ${status}: ${reason}`;
    super(
      'PUSH_FAILED',
      `${ATTEMPTS[action](url)}: ${what}`,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.url = url;
    this.status = status;
    this.reason = reason;
    this.action = action;
  }
}

/** Why a file could not be read, for a message: `no such file`, `permission denied`, `is a directory`. */
export function fileErrorReason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e.code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    default:
      return e.code ?? e.message;
  }
}

/** `value` described for a message: `"abc" (string)`, `5 (number)`. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${JSON.stringify(value)} (${typeof value})`;
}

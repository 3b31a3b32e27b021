/**
 * One event per line on stderr: JSON lines when stderr is not a terminal (journald, files), readable
 * lines when it is. Every line about a check carries `check`. Credentials inside URLs are redacted
 * wherever they appear in a message or field.
 */

export type Level = 'error' | 'warn' | 'info' | 'debug';
export const LEVELS: readonly Level[] = ['error', 'warn', 'info', 'debug'];

export type Fields = Readonly<Record<string, string | number | boolean | undefined>>;

export interface Logger {
  error(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  debug(msg: string, fields?: Fields): void;
}

export interface LoggerOptions {
  readonly level: Level;
  readonly json: boolean;
  readonly write: (line: string) => void;
  readonly now?: () => Date;
}

export function createLogger(opts: LoggerOptions): Logger {
  const max = LEVELS.indexOf(opts.level);
  const now = opts.now ?? (() => new Date());
  const emit = (level: Level, msg: string, fields: Fields = {}): void => {
    if (LEVELS.indexOf(level) > max) return;
    const clean = Object.fromEntries(
      Object.entries(fields)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, typeof v === 'string' ? redactSecrets(v) : v]),
    );
    const ts = now().toISOString();
    if (opts.json) {
      opts.write(`${JSON.stringify({ ts, level, msg: redactSecrets(msg), ...clean })}\n`);
    } else {
      const rest = Object.entries(clean).map(
        ([k, v]) => `${k}=${typeof v === 'string' && /[\s"=]/.test(v) ? JSON.stringify(v) : v}`,
      );
      opts.write(
        `${ts} ${level.toUpperCase().padEnd(5)} ${redactSecrets(msg)}${rest.length ? ` ${rest.join(' ')}` : ''}\n`,
      );
    }
  };
  return {
    error: (m, f) => emit('error', m, f),
    warn: (m, f) => emit('warn', m, f),
    info: (m, f) => emit('info', m, f),
    debug: (m, f) => emit('debug', m, f),
  };
}

/**
 * `scheme://user:password@host` → `scheme://***:***@host` (`scheme://***@host` without a password),
 * anywhere in a text. Like URL parsing, the userinfo ends at the LAST `@` before the path (`/`, `\`),
 * query (`?`), fragment (`#`) or the end of the URL, so a password holding an unencoded `@` is hidden
 * whole.
 */
export function redactSecrets(text: string): string {
  return text.replace(
    /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/\\?#]*)@/gi,
    (_, scheme: string, userinfo: string) => `${scheme}***${userinfo.includes(':') ? ':***' : ''}@`,
  );
}

/** What a command may print to and read from; the CLI passes the real process, tests their own. */
export interface CommandIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** Exit codes, the user-facing contract (README.md "Exit codes"). */
export const EXIT = { ok: 0, checkFailed: 1, pushFailed: 2, invalid: 3 } as const;

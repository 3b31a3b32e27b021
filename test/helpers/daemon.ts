/** `pushagent run` as a real process: its JSON log lines, real signals, its exit. */
import { execa, type ResultPromise } from 'execa';
import { CLI } from './cli.js';

export interface LogLine {
  ts: string;
  level: string;
  msg: string;
  check?: string;
  [field: string]: unknown;
}

export class Agent {
  readonly proc: ResultPromise;
  readonly lines: LogLine[] = [];
  readonly raw: string[] = [];

  private constructor(proc: ResultPromise) {
    this.proc = proc;
    let rest = '';
    proc.stderr!.on('data', (chunk: Buffer) => {
      rest += chunk.toString('utf8');
      const parts = rest.split('\n');
      rest = parts.pop() ?? '';
      for (const line of parts) {
        this.raw.push(line);
        try {
          this.lines.push(JSON.parse(line) as LogLine);
        } catch {
          // not JSON: kept in raw only
        }
      }
    });
  }

  static start(args: readonly string[], opts: { cwd: string; env?: Record<string, string> }): Agent {
    const proc = execa(process.execPath, [CLI, 'run', ...args], {
      cwd: opts.cwd,
      env: { ...opts.env },
      reject: false,
      stdin: 'ignore',
      buffer: false,
      stdout: 'ignore',
      stderr: 'pipe',
    });
    return new Agent(proc);
  }

  get pid(): number {
    return this.proc.pid!;
  }

  signal(sig: NodeJS.Signals): void {
    this.proc.kill(sig);
  }

  async exitCode(): Promise<number | undefined> {
    return (await this.proc).exitCode;
  }

  /** Resolves with the first log line matching, waiting up to `timeoutMs`. */
  async waitForLog(match: (l: LogLine) => boolean, timeoutMs = 10_000): Promise<LogLine> {
    const found = await waitUntil(() => this.lines.find(match), timeoutMs);
    if (!found) throw new Error(`no matching log line within ${timeoutMs}ms; log:\n${this.raw.join('\n')}`);
    return found;
  }
}

/** Polls `probe` every `everyMs` (50) until it returns something truthy, or undefined at the deadline. */
export async function waitUntil<T>(
  probe: () => T | Promise<T>,
  timeoutMs: number,
  everyMs = 50,
): Promise<T | undefined> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > until) return undefined;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

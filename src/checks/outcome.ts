/** Pure: how a finished process fails a run, shared by the kinds that run processes (exec, ping). */
import { firstLine } from '../parse/result.js';
import type { ProcessOutcome } from './process.js';

export type Exited = Extract<ProcessOutcome, { kind: 'exited' }>;

export interface Failure {
  readonly ok: false;
  readonly reason: string;
  readonly exitCode: number;
}

/** `outcome` as a failure, unless the process exited normally: then `exited` reads it. */
export function readOutcome<T>(outcome: ProcessOutcome, exited: (outcome: Exited) => T): T | Failure {
  switch (outcome.kind) {
    case 'exited':
      return exited(outcome);
    case 'not-started':
      return { ok: false, reason: outcome.reason, exitCode: -1 };
    case 'aborted':
      return { ok: false, reason: 'aborted', exitCode: -1 };
    case 'output-too-large':
      return {
        ok: false,
        reason: `${outcome.stream} exceeded the output limit; the process group was killed`,
        exitCode: -1,
      };
    case 'invalid-output':
      return {
        ok: false,
        reason: `output line ${outcome.line}: expected UTF-8 text, found bytes that are not UTF-8`,
        exitCode: outcome.exitCode,
      };
    case 'signaled': {
      const said = firstLine(outcome.stderr);
      return { ok: false, reason: `killed by ${outcome.signal}${said === undefined ? '' : `: ${said}`}`, exitCode: -1 };
    }
  }
}

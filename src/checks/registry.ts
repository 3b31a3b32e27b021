/**
 * THE table of check kinds (STYLE rule 1). Adding a kind: one file in src/checks/, one row here.
 * A check's kind is chosen by which trigger key it has (`command`/`argv` → exec).
 */
import type { CheckKind } from './kind.js';
import { execKind } from './exec.js';
import { pingKind } from './ping.js';
import { tcpKind } from './tcp.js';

// Each row keeps its own Spec type; the table erases it, and the loader pairs a spec with its kind.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const KINDS: readonly CheckKind<any>[] = [execKind, pingKind, tcpKind];

export function kindNamed(name: string): CheckKind<unknown> {
  const kind = KINDS.find((k) => k.name === name);
  if (!kind) throw new Error(`unknown check kind ${name}`);
  return kind;
}

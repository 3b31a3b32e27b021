/** What a reload changes among the checks (pure): the daemon acts on the plan. */
import type { CheckDef } from '../config/check-def.js';

export interface ReloadPlan {
  readonly added: readonly CheckDef[];
  /** Names of the checks that are gone. */
  readonly removed: readonly string[];
  /** New definitions of checks whose settings changed: restarted. */
  readonly changed: readonly CheckDef[];
  readonly unchanged: number;
}

export function planReload(before: readonly CheckDef[], after: readonly CheckDef[]): ReloadPlan {
  const old = new Map(before.map((c) => [c.name, c]));
  const names = new Set(after.map((c) => c.name));
  const added: CheckDef[] = [];
  const changed: CheckDef[] = [];
  let unchanged = 0;
  for (const def of after) {
    const prev = old.get(def.name);
    if (!prev) added.push(def);
    else if (sameCheck(prev, def)) unchanged += 1;
    else changed.push(def);
  }
  return { added, removed: before.map((c) => c.name).filter((n) => !names.has(n)), changed, unchanged };
}

/** Equal but for where the check is written (the same object on every run until a reload). */
export function sameCheck(a: CheckDef, b: CheckDef): boolean {
  if (a === b) return true;
  const strip = ({ file: _f, line: _l, col: _c, ...rest }: CheckDef) => rest;
  return JSON.stringify(strip(a)) === JSON.stringify(strip(b));
}

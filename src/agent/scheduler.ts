/**
 * One schedule per check. Interval slots are absolute on the wall clock: the n-th slot is at
 * n × interval + phase since the epoch (phase 0 without splay, src/agent/splay.ts with it), so
 * nothing drifts over days; cron schedules come from croner, shifted by their phase. A check
 * still running at its next slot has that slot skipped and counted, never queued (STYLE rule 6).
 * The job callback never throws.
 */
import { Cron } from 'croner';
import type { CheckDef, Schedule } from '../config/check-def.js';

export interface SchedulerHooks {
  /** Runs the check for the slot due at `dueMs`; the scheduler waits for it before the next run. */
  readonly run: (def: CheckDef, dueMs: number) => Promise<void>;
  /** A slot came while the previous run was still going; `streak` counts consecutive skips. */
  readonly skipped: (def: CheckDef, streak: number) => void;
  /** Something threw where nothing should: logged, never fatal. */
  readonly error: (def: CheckDef, err: unknown) => void;
}

interface Job {
  def: CheckDef;
  timer: NodeJS.Timeout | undefined;
  running: Promise<void> | undefined;
  streak: number;
  cron: Cron | undefined;
  /** Where in its interval (or after each cron time) the check runs, in ms. */
  phaseMs: number;
}

/** Longest delay setTimeout accepts; longer waits are re-armed on wake-up. */
const MAX_DELAY_MS = 2 ** 31 - 1;

export class Scheduler {
  readonly #hooks: SchedulerHooks;
  readonly #jobs = new Map<string, Job>();
  #stopped = false;

  constructor(hooks: SchedulerHooks) {
    this.#hooks = hooks;
  }

  /** Starts a check: its first run is at its first slot (`phaseMs` into its period) after now. */
  add(def: CheckDef, phaseMs = 0): void {
    if (this.#stopped) return;
    this.remove(def.name);
    const cron = def.schedule.kind === 'cron' ? new Cron(def.schedule.expr, { paused: true }) : undefined;
    const job: Job = { def, timer: undefined, running: undefined, streak: 0, cron, phaseMs };
    this.#jobs.set(def.name, job);
    this.#arm(job, nextSlot(def.schedule, Date.now(), cron, phaseMs));
  }

  /** Stops scheduling a check; a run in progress finishes (it has its own timeout). */
  remove(name: string): Promise<void> | undefined {
    const job = this.#jobs.get(name);
    if (!job) return undefined;
    clearTimeout(job.timer);
    job.cron?.stop();
    this.#jobs.delete(name);
    return job.running;
  }

  /** After stop(), accept checks again (a reload that rebuilds everything). */
  restart(): void {
    this.#stopped = false;
  }

  /** Stops every schedule; resolves when the runs in progress have finished. */
  async stop(): Promise<void> {
    this.#stopped = true;
    const running = [...this.#jobs.keys()].map((name) => this.remove(name));
    await Promise.all(running);
  }

  #arm(job: Job, dueMs: number): void {
    if (!Number.isFinite(dueMs)) return; // a cron schedule with no future run
    const delay = Math.min(Math.max(0, dueMs - Date.now()), MAX_DELAY_MS);
    job.timer = setTimeout(() => this.#fire(job, dueMs), delay);
  }

  #fire(job: Job, dueMs: number): void {
    if (this.#jobs.get(job.def.name) !== job) return;
    const now = Date.now();
    // Timers may wake a millisecond early, or a long wait may need re-arming.
    if (now < dueMs) return this.#arm(job, dueMs);
    try {
      if (job.running) {
        job.streak += 1;
        this.#hooks.skipped(job.def, job.streak);
      } else {
        job.streak = 0;
        const run: Promise<void> = this.#hooks
          .run(job.def, dueMs)
          .catch((err: unknown) => this.#hooks.error(job.def, err))
          .finally(() => {
            if (job.running === run) job.running = undefined;
          });
        job.running = run;
      }
    } catch (err) {
      this.#hooks.error(job.def, err);
    }
    // The next slot after this one, or after now when the process was stalled past several slots.
    let next = nextSlot(job.def.schedule, dueMs, job.cron, job.phaseMs);
    if (next <= now) next = nextSlot(job.def.schedule, now, job.cron, job.phaseMs);
    this.#arm(job, next);
  }
}

/** The first slot strictly after `afterMs`: n × interval + phase, or a cron time + phase. */
export function nextSlot(schedule: Schedule, afterMs: number, cron?: Cron, phaseMs = 0): number {
  const from = afterMs - phaseMs;
  if (schedule.kind === 'interval') return (Math.floor(from / schedule.ms) + 1) * schedule.ms + phaseMs;
  const next = (cron ?? new Cron(schedule.expr, { paused: true })).nextRun(new Date(from));
  return next ? next.getTime() + phaseMs : Number.POSITIVE_INFINITY;
}

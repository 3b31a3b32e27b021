/**
 * The summary that `ping` prints when it finishes, as iputils, BusyBox and macOS/FreeBSD write it:
 *
 *   --- 127.0.0.1 ping statistics ---
 *   3 packets transmitted, 3 received, +1 duplicates, +2 errors, 0% packet loss, time 2003ms   (iputils)
 *   3 packets transmitted, 3 packets received, 1 duplicates, 0% packet loss                   (BusyBox)
 *   3 packets transmitted, 3 packets received, +1 duplicates, 0.0% packet loss                (BSD)
 *   rtt min/avg/max/mdev = 0.011/0.016/0.019/0.003 ms, pipe 2                                 (iputils)
 *   round-trip min/avg/max = 0.010/0.014/0.018 ms                                             (BusyBox)
 *   round-trip min/avg/max/stddev = 0.045/0.088/0.121/0.032 ms                                (BSD)
 *
 * Pure. The round-trip line is absent when no reply came back (or when packets are too small to
 * carry a timestamp); times come back in seconds. Loss is for the caller to compute from the counts.
 */
import { UNSIGNED_DECIMAL } from './number.js';
import { firstLine, quote, type ParseResult } from './result.js';

export interface PingRtt {
  /** Seconds. */
  readonly min: number;
  readonly avg: number;
  readonly max: number;
  /** iputils' `mdev` and BSD's `stddev` (both the standard deviation); BusyBox prints none. */
  readonly stddev?: number;
}

export interface PingSummary {
  readonly transmitted: number;
  /** Replies, duplicates not included. */
  readonly received: number;
  readonly duplicates: number;
  /** ICMP errors reported instead of replies (iputils' `+N errors`, e.g. Destination Host Unreachable). */
  readonly errors: number;
  readonly rtt?: PingRtt;
}

/** A finished ping: its exit status and what it printed. */
export interface PingRun {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

const HEADER_RE = /^--- (.*) ping statistics ---$/;
const COUNTS_RE = /^(\d+) packets transmitted, (\d+) (?:packets )?received(.*)$/;
const RTT_RE =
  /^(?:rtt|round-trip) min\/avg\/max(\/(?:mdev|stddev))? = ([\d.]+)\/([\d.]+)\/([\d.]+)(?:\/([\d.]+))? ms(.*)$/;
/** What may follow the times, or stand alone after the counts: packets in flight, flood/adaptive gaps. */
const EXTRA_RE = /^(?:pipe \d+|ipg\/ewma [\d.]+\/[\d.]+ ms)$/;
const DECIMAL_RE = new RegExp(`^${UNSIGNED_DECIMAL}$`);

/**
 * Exit statuses that come with a summary: iputils and BusyBox exit 0 when a reply came back and 1
 * when none did; macOS/FreeBSD exit 2 when none did. iputils' 2 (and BusyBox's 1 for an unknown
 * host) come without a summary, and the reason is then ping's own message on stderr.
 */
const MEASURING_EXITS: ReadonlySet<number> = new Set([0, 1, 2]);

/** A finished ping run → its summary, or why there is none (ping's own error message when it printed one). */
export function readPingRun(run: PingRun): ParseResult<PingSummary> {
  const complaint = firstLine(run.stderr);
  if (!MEASURING_EXITS.has(run.exitCode)) {
    return { ok: false, message: complaint ?? `ping exited with code ${run.exitCode}` };
  }
  const summary = parsePingSummary(run.stdout);
  if (summary.ok || run.exitCode === 0) return summary;
  return { ok: false, message: complaint ?? `ping exited with code ${run.exitCode}: ${summary.message}` };
}

/** Reads the statistics block of ping's stdout; everything before its `--- X ping statistics ---` header is ignored. */
export function parsePingSummary(stdout: string): ParseResult<PingSummary> {
  const lines = stdout.replace(/\r\n/g, '\n').split('\n');
  const headers = lines.flatMap((l, i) => (HEADER_RE.test(l) ? [i] : []));
  if (headers.length === 0)
    return {
      ok: false,
      message: `expected ping's statistics ("--- HOST ping statistics ---"), found ${describeOutput(stdout)}`,
    };
  if (headers.length > 1)
    return { ok: false, message: `expected one statistics block, found ${headers.length}`, line: headers[1]! + 1 };
  const start = headers[0]!;
  const rest = lines
    .slice(start + 1)
    .map((text, i) => ({ text: text.trimEnd(), line: start + 2 + i }))
    .filter((l) => l.text !== '');

  const [countsLine, ...after] = rest;
  const counts = countsLine && COUNTS_RE.exec(countsLine.text);
  if (!countsLine || !counts) {
    return {
      ok: false,
      message: `expected "N packets transmitted, N received, ..." after the statistics header, found ${countsLine ? quote(countsLine.text) : 'nothing'}`,
      line: countsLine?.line ?? start + 2,
    };
  }
  const transmitted = Number(counts[1]);
  const received = Number(counts[2]);
  if (transmitted === 0) return { ok: false, message: 'ping transmitted no packets', line: countsLine.line };
  if (received > transmitted)
    return { ok: false, message: `ping counted ${received} replies to ${transmitted} requests`, line: countsLine.line };
  const tail = readCountsTail(counts[3]!);
  if (!tail.ok) return { ...tail, line: countsLine.line };
  const { duplicates, errors, lossPercent } = tail.value;
  // The printed percentage is rounded differently by each ping; it only confirms the counts were read right.
  const loss = ((transmitted - received) * 100) / transmitted;
  if (lossPercent === undefined || Math.abs(lossPercent - loss) >= 1) {
    return {
      ok: false,
      message: `expected a packet loss of ${round(loss)}% for ${received} of ${transmitted} replies, ping printed ${lossPercent === undefined ? 'none' : `${lossPercent}%`}`,
      line: countsLine.line,
    };
  }

  let rtt: PingRtt | undefined;
  for (const { text, line } of after) {
    const m = RTT_RE.exec(text);
    if (m && rtt === undefined) {
      const r = readRtt(m);
      if (!r.ok) return { ...r, line };
      rtt = r.value;
      continue;
    }
    if (!text.split(', ').every((part) => EXTRA_RE.test(part))) {
      return { ok: false, message: `unexpected line after ping's packet counts: ${quote(text)}`, line };
    }
  }
  if (rtt && received === 0) return { ok: false, message: 'ping printed round-trip times but no reply was received' };
  return { ok: true, value: { transmitted, received, duplicates, errors, ...(rtt && { rtt }) } };
}

/** `, +1 duplicates, +2 errors, 0% packet loss, time 2003ms` and the other pings' variants. */
function readCountsTail(
  tail: string,
): ParseResult<{ duplicates: number; errors: number; lossPercent: number | undefined }> {
  let duplicates = 0;
  let errors = 0;
  let lossPercent: number | undefined;
  if (tail !== '' && !tail.startsWith(', '))
    return { ok: false, message: `unexpected text after the received count: ${quote(tail)}` };
  for (const part of tail === '' ? [] : tail.slice(2).split(', ')) {
    let m: RegExpExecArray | null;
    if ((m = /^\+?(\d+) duplicates$/.exec(part))) duplicates = Number(m[1]);
    else if ((m = /^\+(\d+) errors$/.exec(part))) errors = Number(m[1]);
    else if ((m = /^([\d.]+)% packet loss$/.exec(part)) && DECIMAL_RE.test(m[1]!)) lossPercent = Number(m[1]);
    // iputils: replies with a bad checksum (not counted as received), and how long ping ran.
    else if (/^\+\d+ corrupted$/.test(part) || /^time \d+ms$/.test(part)) continue;
    // macOS: replies that came after their wait time (counted as received).
    else if (/^\d+ packets out of wait time$/.test(part)) continue;
    else return { ok: false, message: `unexpected ${quote(part)} in ping's packet counts` };
  }
  return { ok: true, value: { duplicates, errors, lossPercent } };
}

function readRtt(m: RegExpExecArray): ParseResult<PingRtt> {
  const [, fourth, min, avg, max, stddev, suffix] = m;
  if ((fourth === undefined) !== (stddev === undefined))
    return { ok: false, message: `round-trip line: expected ${fourth ? 4 : 3} times, got ${fourth ? 3 : 4}` };
  const times = [min!, avg!, max!, ...(stddev === undefined ? [] : [stddev])];
  const bad = times.find((t) => !DECIMAL_RE.test(t));
  if (bad !== undefined) return { ok: false, message: `round-trip line: expected a time in ms, got ${quote(bad)}` };
  if (
    suffix !== '' &&
    !suffix!
      .replace(/^, /, '')
      .split(', ')
      .every((part) => EXTRA_RE.test(part))
  ) {
    return { ok: false, message: `round-trip line: unexpected ${quote(suffix!)}` };
  }
  const [lo, mid, hi, sd] = times.map(msToSeconds);
  if (!(lo! <= mid! && mid! <= hi!))
    return { ok: false, message: `round-trip line: expected min <= avg <= max, got ${min}/${avg}/${max} ms` };
  return { ok: true, value: { min: lo!, avg: mid!, max: hi!, ...(sd !== undefined && { stddev: sd }) } };
}

/** `0.017` ms → 0.000017 s, the double nearest the printed decimal (no `x / 1000` rounding noise). */
function msToSeconds(ms: string): number {
  return Number(`${ms}e-3`);
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

function describeOutput(stdout: string): string {
  if (stdout.trim() === '') return 'no output';
  const lines = stdout.trimEnd().split('\n');
  return `${lines.length} line${lines.length === 1 ? '' : 's'} ending ${quote(lines[lines.length - 1]!.trim())}`;
}

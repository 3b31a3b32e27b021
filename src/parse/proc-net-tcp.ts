/**
 * /proc/net/tcp and /proc/net/tcp6 text → sockets counted by state. Pure: the caller reads the file.
 *
 * Each line after the header is one socket: `sl: local_address rem_address st ...`, addresses as
 * `HEXADDR:HEXPORT` (8 hex digits for tcp, 32 for tcp6) and `st` the kernel's state number in hex.
 * Only these first four fields are read; the kernel pads lines with spaces, which are ignored.
 */
import { quote, type ParseResult } from './result.js';

/** The kernel's TCP states (include/net/tcp_states.h), in number order: index 0 is state 0x01. */
export const TCP_STATES = [
  'established',
  'syn_sent',
  'syn_recv',
  'fin_wait1',
  'fin_wait2',
  'time_wait',
  'close',
  'close_wait',
  'last_ack',
  'listen',
  'closing',
  'new_syn_recv',
] as const;

export type TcpState = (typeof TCP_STATES)[number];

export type TcpStateCounts = Readonly<Record<TcpState, number>>;

export interface ProcNetTcpOptions {
  /** Count only sockets whose local port is one of these; all sockets when absent. */
  readonly ports?: ReadonlySet<number> | undefined;
}

// tcp6 names the third column remote_address.
const HEADER = /^\s*sl\s+local_address\s+rem(?:ote)?_address\s+st(?:\s|$)/;
const SLOT = /^\d+:$/;
const ADDRESS = /^(?:[0-9A-Fa-f]{8}|[0-9A-Fa-f]{32}):([0-9A-Fa-f]{4})$/;
const STATE = /^[0-9A-Fa-f]{2}$/;

/** Every state at zero. */
export function zeroCounts(): Record<TcpState, number> {
  return Object.fromEntries(TCP_STATES.map((s) => [s, 0])) as Record<TcpState, number>;
}

/** The sum of several counts (tcp and tcp6), state by state. Pure. */
export function addCounts(...all: readonly TcpStateCounts[]): TcpStateCounts {
  const sum = zeroCounts();
  for (const counts of all) for (const s of TCP_STATES) sum[s] += counts[s];
  return sum;
}

/**
 * Counts sockets by state. A line that is not a socket line (or a state number the kernel does not
 * define) fails the whole parse with its 1-based line number: a partial count would be a made-up value.
 */
export function parseProcNetTcp(text: string, opts: ProcNetTcpOptions = {}): ParseResult<TcpStateCounts> {
  const lines = text.split('\n');
  // The file ends with a line feed: the empty string after it is not a line.
  if (lines.at(-1) === '') lines.pop();
  if (lines.length === 0)
    return {
      ok: false,
      line: 1,
      message:
        'expected the header line "sl local_address rem_address st ..." of /proc/net/tcp or tcp6, got empty input',
    };
  if (!HEADER.test(lines[0]!)) {
    return {
      ok: false,
      line: 1,
      message: `expected the header line "sl local_address rem_address st ..." of /proc/net/tcp or tcp6, got ${quote(lines[0]!.trim())}`,
    };
  }
  const counts = zeroCounts();
  for (let i = 1; i < lines.length; i++) {
    const fields = lines[i]!.trim().split(/\s+/, 4);
    const [slot, local, remote, st] = fields;
    const fail = (message: string): ParseResult<TcpStateCounts> => ({ ok: false, line: i + 1, message });
    if (slot === undefined || !SLOT.test(slot))
      return fail(`expected a socket line starting with its slot number and ":", got ${quote(lines[i]!.trim())}`);
    const port = local === undefined ? null : ADDRESS.exec(local);
    if (!port) return fail(`expected the local address as HEXADDR:HEXPORT, got ${quote(local ?? '')}`);
    if (remote === undefined || !ADDRESS.test(remote))
      return fail(`expected the remote address as HEXADDR:HEXPORT, got ${quote(remote ?? '')}`);
    if (st === undefined || !STATE.test(st))
      return fail(`expected the state as two hex digits, got ${quote(st ?? '')}`);
    const state = TCP_STATES[Number.parseInt(st, 16) - 1];
    if (state === undefined) return fail(`unknown TCP state 0x${st.toUpperCase()}: expected 01 to 0C`);
    if (opts.ports && !opts.ports.has(Number.parseInt(port[1]!, 16))) continue;
    counts[state] += 1;
  }
  return { ok: true, value: counts };
}

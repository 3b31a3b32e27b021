/** Counts by state of `ss -Htan` output, the reference the tcp kind is compared with. */
import { zeroCounts, type TcpState, type TcpStateCounts } from '../../src/parse/proc-net-tcp.js';

/** ss's names by ours: ss prints TCP_CLOSE as UNCONN, and request sockets as SYN-RECV like /proc does. */
const SS_STATES: Readonly<Record<string, TcpState>> = {
  ESTAB: 'established',
  'SYN-SENT': 'syn_sent',
  'SYN-RECV': 'syn_recv',
  'FIN-WAIT-1': 'fin_wait1',
  'FIN-WAIT-2': 'fin_wait2',
  'TIME-WAIT': 'time_wait',
  UNCONN: 'close',
  'CLOSE-WAIT': 'close_wait',
  'LAST-ACK': 'last_ack',
  LISTEN: 'listen',
  CLOSING: 'closing',
};

/** One socket a line, the state first (`ss -H`: no header). An unknown state is a test error. */
export function countSs(text: string): TcpStateCounts {
  const counts = zeroCounts();
  for (const line of text.split('\n').filter((l) => l.trim() !== '')) {
    const name = line.split(/\s+/)[0]!;
    const state = SS_STATES[name];
    if (!state) throw new Error(`unknown ss state ${name} in ${JSON.stringify(line)}`);
    counts[state] += 1;
  }
  return counts;
}

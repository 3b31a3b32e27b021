/**
 * Splay: each check's phase inside its interval, so that a fleet's hosts (and one host's checks) do
 * not all run, and push, in the same millisecond. Like Prometheus' scrape offsets, the phase is a
 * hash of who runs what (the instance and the check's name): the same on every restart and every
 * machine, different from host to host. Pure.
 */

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK = 0xffffffffffffffffn;

/** 64-bit FNV-1a of the UTF-8 bytes of `text`. */
export function fnv1a64(text: string): bigint {
  let h = FNV_OFFSET;
  for (const byte of Buffer.from(text, 'utf8')) h = ((h ^ BigInt(byte)) * FNV_PRIME) & MASK;
  return h;
}

/**
 * murmur3's 64-bit finalizer: FNV-1a's last byte only moves the hash by multiples of its prime, so
 * names that differ in their last character (check1, check2...) would land in a pattern; this
 * spreads every input bit over every output bit.
 */
function mix(h: bigint): bigint {
  h = ((h ^ (h >> 33n)) * 0xff51afd7ed558ccdn) & MASK;
  h = ((h ^ (h >> 33n)) * 0xc4ceb9fe1a85ec53n) & MASK;
  return h ^ (h >> 33n);
}

/**
 * The phase of `check` on `instance`, a whole number of ms in [0, spanMs); 0 when `spanMs` is 0
 * (splay off). `instance` is undefined for a service-level batch job.
 */
export function phaseMs(instance: string | undefined, check: string, spanMs: number): number {
  const span = Math.floor(spanMs);
  if (span <= 0) return 0;
  return Number(mix(fnv1a64(`${instance ?? ''}\u0000${check}`)) % BigInt(span));
}

/**
 * Strict UTF-8: text that is not valid UTF-8 is refused with the line it is on, never altered
 * (U+FFFD in a label value is a silent change the Pushgateway and Prometheus would refuse anyway).
 */

export type Decoded = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly line: number };

const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const NEWLINE = 0x0a;

/** `bytes` as text (a BOM kept), or the 1-based line of the first invalid sequence. */
export function decodeUtf8(bytes: Uint8Array): Decoded {
  try {
    return { ok: true, text: strict.decode(bytes) };
  } catch {
    // A newline byte is never part of a multi-byte sequence, so each line can be checked alone.
    let start = 0;
    for (let line = 1; ; line += 1) {
      const end = bytes.indexOf(NEWLINE, start);
      try {
        strict.decode(bytes.subarray(start, end === -1 ? bytes.length : end));
      } catch {
        return { ok: false, line };
      }
      if (end === -1) return { ok: false, line };
      start = end + 1;
    }
  }
}

/**
 * Prometheus remote write 1.0's `WriteRequest`, encoded by hand (pure): the message is three small
 * nested types, so a protobuf library would bring more than it saves.
 *
 *   WriteRequest { repeated TimeSeries timeseries = 1; }
 *   TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2; }
 *   Label        { string name = 1; string value = 2; }
 *   Sample       { double value = 1; int64 timestamp = 2; }   // timestamp in ms
 *
 * The caller gives labels sorted by name (with `__name__`), no empty value, and each series' samples
 * in timestamp order, as the specification requires.
 */

export interface WriteSample {
  readonly value: number;
  readonly timestampMs: number;
  /** Prometheus' stale marker: a NaN with the bits 0x7ff0000000000002, whatever `value` says. */
  readonly stale?: boolean;
}

export interface WriteSeries {
  readonly labels: readonly (readonly [string, string])[];
  readonly samples: readonly WriteSample[];
}

const encoder = new TextEncoder();

/** The bytes of a WriteRequest holding `series` (before snappy compression). */
export function encodeWriteRequest(series: readonly WriteSeries[]): Uint8Array {
  const w = new Writer();
  for (const s of series) {
    const ts = w.begin(1);
    for (const [name, value] of s.labels) {
      const label = w.begin(1);
      w.string(1, name);
      w.string(2, value);
      w.end(label);
    }
    for (const sample of s.samples) {
      const at = w.begin(2);
      w.double(1, sample.value, sample.stale === true);
      w.varintField(2, sample.timestampMs);
      w.end(at);
    }
    w.end(ts);
  }
  return w.finish();
}

/** Protobuf's wire format: length-delimited fields are written after their content, then moved into place. */
class Writer {
  #buf = new Uint8Array(1024);
  #view = new DataView(this.#buf.buffer);
  #len = 0;

  finish(): Uint8Array {
    return this.#buf.slice(0, this.#len);
  }

  /**
   * Starts field `field` (wire type 2), a message whose fields follow until end(). Its length is
   * not known yet: the largest prefix it can need (5 bytes: up to 4 GiB) is reserved, and end()
   * writes the real one and closes the gap.
   */
  begin(field: number): number {
    this.#varint((field << 3) | 2);
    this.#room(5);
    const at = this.#len;
    this.#len += 5;
    return at;
  }

  end(at: number): void {
    const size = this.#len - at - 5;
    const prefixLength = size < 0x80 ? 1 : size < 0x4000 ? 2 : size < 0x200000 ? 3 : size < 0x10000000 ? 4 : 5;
    this.#buf.copyWithin(at + prefixLength, at + 5, this.#len);
    const end = this.#len;
    this.#len = at;
    this.#varint(size);
    this.#len = end - (5 - prefixLength);
  }

  string(field: number, text: string): void {
    this.#varint((field << 3) | 2);
    // Label names and most values are ASCII: copied as they are, without a call into TextEncoder
    // for each (which cost most of the encoding time).
    let ascii = true;
    for (let i = 0; i < text.length && ascii; i += 1) ascii = text.charCodeAt(i) < 0x80;
    if (ascii) {
      this.#varint(text.length);
      this.#room(text.length);
      for (let i = 0; i < text.length; i += 1) this.#buf[this.#len + i] = text.charCodeAt(i);
      this.#len += text.length;
      return;
    }
    const bytes = encoder.encode(text);
    this.#varint(bytes.length);
    this.#room(bytes.length);
    this.#buf.set(bytes, this.#len);
    this.#len += bytes.length;
  }

  double(field: number, value: number, stale: boolean): void {
    this.#varint((field << 3) | 1);
    this.#room(8);
    if (stale) {
      // Written as bits: an engine may canonicalize a NaN's payload when it passes through a number.
      this.#view.setUint32(this.#len, 0x00000002, true);
      this.#view.setUint32(this.#len + 4, 0x7ff00000, true);
    } else {
      this.#view.setFloat64(this.#len, value, true);
    }
    this.#len += 8;
  }

  varintField(field: number, value: number): void {
    this.#varint(field << 3);
    this.#varint(value);
  }

  /**
   * A non-negative integer up to 2^53 as a base-128 varint. (A negative int64, a timestamp before
   * 1970, would take ten bytes of two's complement; pushagent never writes one.)
   */
  #varint(value: number): void {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`cannot encode ${value} as a varint`);
    this.#room(8);
    let v = value;
    while (v >= 0x80) {
      this.#buf[this.#len++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.#buf[this.#len++] = v;
  }

  #room(n: number): void {
    if (this.#len + n <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < this.#len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.#buf.subarray(0, this.#len));
    this.#buf = next;
    this.#view = new DataView(next.buffer);
  }
}

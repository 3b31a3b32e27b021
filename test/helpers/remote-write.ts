/**
 * Reading remote-write requests back, for a capture server: snappy block decompression (snappyjs)
 * and a WriteRequest decoder written from the protocol's .proto (independent of the encoder).
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { uncompress } from 'snappyjs';

export interface DecodedSample {
  value: number;
  timestampMs: number;
  /** The value's 64 bits as hex, to tell the stale marker (7ff0000000000002) from another NaN. */
  bits: string;
}

export interface DecodedSeries {
  labels: [string, string][];
  samples: DecodedSample[];
}

export function decodeWriteRequest(bytes: Uint8Array): DecodedSeries[] {
  const series: DecodedSeries[] = [];
  for (const [field, , ts] of fields(bytes)) {
    if (field !== 1) throw new Error(`WriteRequest: unexpected field ${field}`);
    const s: DecodedSeries = { labels: [], samples: [] };
    for (const [f, , body] of fields(ts as Uint8Array)) {
      if (f === 1) {
        const label = Object.fromEntries(
          fields(body as Uint8Array).map(([n, , v]) => [n, new TextDecoder().decode(v as Uint8Array)]),
        );
        s.labels.push([label[1] ?? '', label[2] ?? '']);
      } else if (f === 2) {
        const sample: DecodedSample = { value: 0, timestampMs: 0, bits: '' };
        for (const [n, , v] of fields(body as Uint8Array)) {
          if (n === 1) {
            const b = v as Uint8Array;
            const view = new DataView(b.buffer, b.byteOffset, 8);
            sample.value = view.getFloat64(0, true);
            sample.bits = view.getBigUint64(0, true).toString(16).padStart(16, '0');
          } else if (n === 2) sample.timestampMs = v as number;
        }
        s.samples.push(sample);
      } else throw new Error(`TimeSeries: unexpected field ${f}`);
    }
    series.push(s);
  }
  return series;
}

/** [field number, wire type, value]: a number for varints, bytes for the rest. */
function fields(buf: Uint8Array): [number, number, number | Uint8Array][] {
  const out: [number, number, number | Uint8Array][] = [];
  let i = 0;
  const varint = (): number => {
    let v = 0;
    let mul = 1;
    for (;;) {
      const b = buf[i++]!;
      v += (b & 0x7f) * mul;
      if (b < 0x80) return v;
      mul *= 128;
    }
  };
  while (i < buf.length) {
    const tag = varint();
    const [field, wire] = [Math.floor(tag / 8), tag % 8];
    if (wire === 0) out.push([field, wire, varint()]);
    else if (wire === 1) {
      out.push([field, wire, buf.subarray(i, i + 8)]);
      i += 8;
    } else if (wire === 2) {
      const len = varint();
      out.push([field, wire, buf.subarray(i, i + len)]);
      i += len;
    } else throw new Error(`unexpected wire type ${wire}`);
  }
  return out;
}

export interface CapturedWrite {
  headers: IncomingHttpHeaders;
  series: DecodedSeries[];
  status: number;
}

/**
 * A receiver that records every write and answers with what `answer` says for the n-th request
 * (status, optional Retry-After): what no real receiver shows (exact headers, a chosen status).
 */
export async function startCapture(answer: (n: number) => { status: number; retryAfter?: string; body?: string }) {
  const writes: CapturedWrite[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const a = answer(writes.length);
      writes.push({
        headers: req.headers,
        series: decodeWriteRequest(uncompress(new Uint8Array(Buffer.concat(chunks)))),
        status: a.status,
      });
      res.writeHead(a.status, a.retryAfter === undefined ? {} : { 'retry-after': a.retryAfter });
      res.end(a.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/api/v1/write`,
    writes,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** `{__name__="x",a="b"}`-like text of a series' labels, for readable assertions. */
export function seriesName(s: DecodedSeries): string {
  return s.labels.map(([n, v]) => `${n}=${v}`).join(',');
}

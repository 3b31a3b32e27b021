/**
 * How the config file and check files are read: only a regular file (or a symlink to one), at
 * most MAX_FILE_BYTES, strict UTF-8. A FIFO, a device, a socket, a folder, a broken symlink or an
 * over-large file is refused by what it is, before anything waits on it or fills memory.
 */
import { constants, type Stats } from 'node:fs';
import { lstat, open, stat } from 'node:fs/promises';
import { fileErrorReason } from '../errors.js';
import { decodeUtf8 } from '../utf8.js';

export const MAX_FILE_BYTES = 1024 * 1024;

export type Refusal = { readonly code: 'missing' | 'directory' | 'refused'; readonly message: string };

export type TextFile =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly code: Refusal['code']; readonly message: string; readonly line?: number };

/**
 * Why `file` cannot be read as a config or check file, or undefined when it is a regular file
 * within the limit. Only stat calls: nothing is opened.
 */
export async function refusal(file: string): Promise<Refusal | undefined> {
  let st: Stats;
  try {
    st = await stat(file);
  } catch (err) {
    return openFailure(file, err);
  }
  return notReadable(st);
}

/** `file`'s text; `line` says where invalid UTF-8 starts. */
export async function readTextFile(file: string): Promise<TextFile> {
  const before = await refusal(file);
  if (before) return { ok: false, ...before };
  let handle;
  try {
    // O_NONBLOCK: if the file was swapped for a FIFO since, opening it does not wait for a writer.
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    return { ok: false, ...(await openFailure(file, err)) };
  }
  try {
    const now = notReadable(await handle.stat());
    if (now) return { ok: false, ...now };
    const chunks: Buffer[] = [];
    for (let length = 0; ;) {
      // Up to one byte past the limit: enough to tell a file that grew past it since the stat.
      const chunk = Buffer.allocUnsafe(Math.min(64 * 1024, MAX_FILE_BYTES + 1 - length));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      length += bytesRead;
      if (length > MAX_FILE_BYTES) return { ok: false, ...tooLarge(length) };
    }
    const decoded = decodeUtf8(Buffer.concat(chunks));
    if (!decoded.ok)
      return {
        ok: false,
        code: 'refused',
        line: decoded.line,
        message: 'expected UTF-8 text, found bytes that are not UTF-8 on this line',
      };
    return { ok: true, text: decoded.text };
  } catch (err) {
    return { ok: false, code: 'refused', message: fileErrorReason(err) };
  } finally {
    await handle.close();
  }
}

function notReadable(st: Stats): Refusal | undefined {
  if (st.isFile()) return st.size > MAX_FILE_BYTES ? tooLarge(st.size) : undefined;
  if (st.isDirectory()) return { code: 'directory', message: 'is a directory' };
  return { code: 'refused', message: `is ${kindOf(st)}, not a regular file` };
}

function kindOf(st: Stats): string {
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a file';
}

function tooLarge(bytes: number): Refusal {
  return {
    code: 'refused',
    message: `is larger than the limit of ${MAX_FILE_BYTES / 1024 / 1024} MiB (${bytes} bytes)`,
  };
}

async function openFailure(file: string, err: unknown): Promise<Refusal> {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') {
    const link = await lstat(file).catch(() => undefined);
    if (link?.isSymbolicLink()) return { code: 'refused', message: 'is a broken symbolic link' };
    return { code: 'missing', message: fileErrorReason(err) };
  }
  if (code === 'ELOOP') return { code: 'refused', message: 'is a symbolic link loop' };
  // open() of a Unix socket.
  if (code === 'ENXIO') return { code: 'refused', message: 'is a socket, not a regular file' };
  return { code: code === 'ENOTDIR' ? 'missing' : 'refused', message: fileErrorReason(err) };
}

import type { ByteStream } from "@stevedore/core";

/** Pull-style reads over a byte stream: exact reads for headers, chunk views for content. */
export interface ByteReader {
  /** `length` bytes (copied only when they span chunks); fewer at the end; `undefined` at a clean end. */
  readExactly(length: number): Promise<Uint8Array | undefined>;
  /** Up to `max` bytes as a view of the current chunk; `undefined` at the end. */
  readSome(max: number): Promise<Uint8Array | undefined>;
  /** Drops `length` bytes; false when the stream ended first. */
  skip(length: number): Promise<boolean>;
  /** Reads to the end, dropping everything. */
  drain(): Promise<void>;
  /** Stops the underlying stream early (its `return()`), so files and sockets are released. */
  close(): Promise<void>;
}

/** Wraps `source` for the tar reader. */
export function createByteReader(source: ByteStream): ByteReader {
  const iterator = source[Symbol.asyncIterator]();
  let current: Uint8Array = new Uint8Array(0);
  let done = false;

  const fill = async (): Promise<boolean> => {
    while (current.length === 0) {
      if (done) return false;
      const next = await iterator.next();
      if (next.done === true) {
        done = true;
        return false;
      }
      current = next.value;
    }
    return true;
  };

  const readSome = async (max: number): Promise<Uint8Array | undefined> => {
    if (!(await fill())) return undefined;
    const chunk = current.length <= max ? current : current.subarray(0, max);
    current = current.subarray(chunk.length);
    return chunk;
  };

  return {
    readExactly: async (length) => {
      const first = await readSome(length);
      if (first === undefined || first.length === length) return first;
      const out = new Uint8Array(length);
      out.set(first);
      let filled = first.length;
      while (filled < length) {
        const chunk = await readSome(length - filled);
        if (chunk === undefined) return out.subarray(0, filled);
        out.set(chunk, filled);
        filled += chunk.length;
      }
      return out;
    },
    readSome,
    skip: async (length) => {
      let left = length;
      while (left > 0) {
        const chunk = await readSome(left);
        if (chunk === undefined) return false;
        left -= chunk.length;
      }
      return true;
    },
    drain: async () => {
      while ((await readSome(Number.MAX_SAFE_INTEGER)) !== undefined) {
        // dropping
      }
    },
    close: async () => {
      if (!done) {
        done = true;
        await iterator.return?.();
      }
    },
  };
}

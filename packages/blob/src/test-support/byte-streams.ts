/** Small stream helpers for the blob package's own tests. */
import { createHash } from "node:crypto";
import { expect } from "vitest";

/** A stream of exactly these chunks. */
export async function* fromChunks(chunks: Iterable<Uint8Array>): AsyncGenerator<Uint8Array, void, undefined> {
  for (const chunk of chunks) yield chunk;
}

/**
 * A source that never ends, of zero-filled chunks of `size` bytes, that counts how many chunks it made and
 * notes when its consumer closed it: proof that a limit stops reading at once.
 */
export function endlessSource(size: number): {
  source: AsyncGenerator<Uint8Array>;
  readonly produced: number;
  readonly closed: boolean;
} {
  let produced = 0;
  let closed = false;
  async function* endless(): AsyncGenerator<Uint8Array> {
    try {
      for (;;) {
        produced += 1;
        yield new Uint8Array(size);
      }
    } finally {
      closed = true;
    }
  }
  return {
    source: endless(),
    get produced() {
      return produced;
    },
    get closed() {
      return closed;
    },
  };
}

/** Splits `bytes` into chunks of `size` bytes (the last may be shorter). */
export function split(bytes: Uint8Array, size: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let position = 0; position < bytes.length; position += size)
    chunks.push(bytes.subarray(position, position + size));
  return chunks;
}

/** `sha256:…` / `sha512:…` of `bytes`, computed independently of the code under test. */
export function digestOf(bytes: Uint8Array, algorithm: "sha256" | "sha512" = "sha256"): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest("hex")}`;
}

/** Concatenates chunks. */
export function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const result = new Uint8Array(chunks.reduce((total, chunk) => total + chunk.length, 0));
  let position = 0;
  for (const chunk of chunks) {
    result.set(chunk, position);
    position += chunk.length;
  }
  return result;
}

/** Drains a stream, keeping every chunk it yields until it ends or fails. */
export async function drain(
  stream: AsyncIterable<Uint8Array>,
): Promise<{ chunks: Uint8Array[]; error: unknown; failed: boolean }> {
  const chunks: Uint8Array[] = [];
  try {
    for await (const chunk of stream) chunks.push(chunk);
    return { chunks, error: undefined, failed: false };
  } catch (error) {
    return { chunks, error, failed: true };
  }
}

/** Byte equality without vitest's slow element-by-element diff of large arrays. */
export function expectBytes(actual: Uint8Array, expected: Uint8Array): void {
  expect(actual.length, "length").toBe(expected.length);
  expect(Buffer.compare(actual, expected), "bytes differ").toBe(0);
}

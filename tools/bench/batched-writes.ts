import type { FileHandle } from "node:fs/promises";

/** Gathers chunks into vectored writes at explicit positions, one write in flight (as blob's file writes do). */
export interface BatchedWriter {
  /** Holds `chunk`; writes the batch once it reaches the batch size (waiting for the write before it). */
  add(chunk: Buffer): Promise<void>;
  /** Writes what is held and waits for every write. */
  finish(): Promise<void>;
}

/** A {@link BatchedWriter} into `handle` from file offset `start`; `onWritten` gets the bytes written so far. */
export function batchedWriter(
  handle: FileHandle,
  start: number,
  batchBytes: number,
  onWritten?: (bytes: number) => void,
): BatchedWriter {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let position = start;
  let inFlight: Promise<unknown> | undefined;
  const flush = async (): Promise<void> => {
    await inFlight;
    if (pending.length === 0) return;
    const batch = pending;
    const at = position;
    position += pendingBytes;
    const written = position - start;
    pending = [];
    pendingBytes = 0;
    inFlight = handle.writev(batch, at).then(() => onWritten?.(written));
  };
  return {
    async add(chunk) {
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes >= batchBytes) await flush();
    },
    async finish() {
      await flush();
      await inFlight;
    },
  };
}

/**
 * Request bodies for uploads, cut from the caller's content at any offset. They are always replayable —
 * bytes, or a factory that opens the source again at the same offset — so the transport can send them
 * again after a 401 challenge or a redirect (`DESIGN.md` §5), and a resumed upload starts wherever the
 * registry says it stopped.
 */
import type { ReplayableSource } from "@stevedore/core";
import { SizeMismatchError, StevedoreError, UsageError } from "@stevedore/core";
import type { UploadBody } from "./upload-requests.js";

/** The content of one upload: the bytes when the caller gave bytes, a source otherwise. */
export type UploadContent =
  | { kind: "bytes"; bytes: Uint8Array; size: number; where: string }
  | { kind: "source"; source: ReplayableSource; size: number; where: string };

/**
 * The body of bytes `[start, start + length)` of `content`. `onSent` is called with the blob offset up to
 * which a source's bytes have been handed to the transport (bytes go in one piece: no calls).
 */
export function uploadBody(
  content: UploadContent,
  start: number,
  length: number,
  onSent?: (offset: number) => void,
): UploadBody {
  if (content.kind === "bytes") return { body: content.bytes.subarray(start, start + length), length };
  return { body: () => slice(content, start, length, onSent), length };
}

/** Exactly `length` bytes of the source from `start`; the source is closed as soon as they are out. */
async function* slice(
  content: Extract<UploadContent, { kind: "source" }>,
  start: number,
  length: number,
  onSent: ((offset: number) => void) | undefined,
): AsyncGenerator<Uint8Array, void, undefined> {
  let sent = 0;
  if (length === 0) return;
  for await (const chunk of open(content, start)) {
    if (!(chunk instanceof Uint8Array)) {
      throw new UsageError(`the upload source of ${content.where} yielded something other than bytes`);
    }
    const wanted = length - sent;
    const piece = chunk.length > wanted ? chunk.subarray(0, wanted) : chunk;
    sent += piece.length;
    if (piece.length > 0) {
      yield piece;
      // The transport asked for more: the piece is on its way.
      onSent?.(start + sent);
    }
    // Leaving the loop calls the source's return(), which closes a file or a download.
    if (sent === length) return;
  }
  throw new SizeMismatchError(content.size, start + sent, content.where);
}

function open(content: Extract<UploadContent, { kind: "source" }>, start: number): AsyncIterable<Uint8Array> {
  let stream: unknown;
  try {
    stream = content.source(start);
  } catch (error) {
    if (StevedoreError.isInstance(error)) throw error;
    throw new UsageError(`the upload source of ${content.where} failed at offset ${start}`, { cause: error });
  }
  if (typeof stream !== "object" || stream === null || !(Symbol.asyncIterator in stream)) {
    throw new UsageError(`the upload source of ${content.where} did not return a stream`);
  }
  return stream as AsyncIterable<Uint8Array>;
}

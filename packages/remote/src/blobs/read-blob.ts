import type { Descriptor, TargetCallOptions } from "@stevedore/core";
import { InvalidResponseError, NetworkError, SizeMismatchError } from "@stevedore/core";
import { parseContentRange } from "@stevedore/routing";
import type { TransportResponse } from "@stevedore/transport";
import { headerValue } from "../header-value.js";
import { mapNotFound } from "../not-found.js";
import type { RemoteContext } from "../remote-context.js";
import { sendRoute } from "../send-route.js";

/**
 * From this many bytes a blob's body is a `bulk` request: over TLS it takes HTTP/1.1 connections of its
 * own rather than the shared h2 one (docs/decisions/0029-large-bodies-over-http1.md).
 */
const bulkBytes = 8 * 1024 * 1024;

/** Options of {@link readBlob}. */
export interface ReadBlobOptions extends TargetCallOptions {
  /** First byte to read. Default 0. */
  start?: number;
  /**
   * Byte after the last to read (exclusive). Without it the body is passed on to its end as the registry
   * sends it, so a verifier downstream sees any excess bytes and fails on them.
   */
  end?: number;
  /** Names the blob in messages. */
  where: string;
}

/**
 * Internal: the bytes `[start, end)` of a blob (`GET /v2/<name>/blobs/<digest>`, end-2), resumed after a
 * cut connection.
 *
 * The first request is sent before this resolves, so a missing blob is a `NotFoundError` here, not later
 * while reading. A connection that fails mid-body (after the transport's own retries), or a body that ends
 * cleanly but short, is reopened with `Range: bytes=<position>-` from the first byte not yet passed on;
 * a registry that ignores `Range` and answers `200` with the whole blob has the prefix dropped (§3.1
 * end-2). Up to `resumeAttempts` reopenings in a row may bring no new byte before the failure is thrown.
 * Each byte is passed on once, in order, so a verifier downstream keeps one hash over the whole blob (§5.2).
 */
export async function readBlob(
  context: RemoteContext,
  descriptor: Descriptor,
  options: ReadBlobOptions,
): Promise<AsyncGenerator<Uint8Array, void, undefined>> {
  const start = options.start ?? 0;
  const end = options.end;
  const { where, signal } = options;
  const bulk = (end ?? descriptor.size) - start >= bulkBytes;

  const open = async (position: number): Promise<Opened> => {
    const headers: Record<string, string> = {};
    if (position > 0 || end !== undefined) {
      headers.range = `bytes=${position}-${end === undefined ? "" : end - 1}`;
    }
    let response: TransportResponse;
    try {
      response = await sendRoute(
        context,
        "blob-get",
        { digest: descriptor.digest },
        { headers, signal, expect: [200, 206], bulk },
      );
    } catch (error) {
      throw mapNotFound(error, where);
    }
    try {
      return { response, skip: checkResponse(response, descriptor, position, where) };
    } catch (error) {
      await response.dump();
      throw error;
    }
  };

  const first = await open(start);

  async function* bytes(): AsyncGenerator<Uint8Array, void, undefined> {
    let current: Opened | undefined = first;
    let position = start;
    let fruitless = 0;
    const target = end ?? descriptor.size;
    try {
      for (;;) {
        const before = position;
        try {
          current ??= await open(position);
          let skip = current.skip;
          for await (const chunk of current.response.body as AsyncIterable<Uint8Array>) {
            let piece = chunk;
            if (skip > 0) {
              // A 200 to a Range request: the registry sent the whole blob (§3.1 end-2).
              if (skip >= piece.length) {
                skip -= piece.length;
                continue;
              }
              piece = piece.subarray(skip);
              skip = 0;
            }
            if (end !== undefined && position + piece.length > end) piece = piece.subarray(0, end - position);
            if (piece.length > 0) {
              position += piece.length;
              yield piece;
            }
            if (end !== undefined && position >= end) return;
          }
          if (position >= target) return;
          const short = new SizeMismatchError(target - start, position - start, where);
          shortEnds.add(short);
          throw short;
        } catch (error) {
          if (!resumable(error, position, target)) throw error;
          fruitless = position > before ? 1 : fruitless + 1;
          if (fruitless > context.options.resumeAttempts) throw error;
          current?.response.body.destroy();
          current = undefined;
        }
      }
    } finally {
      // Done, failed or stopped early by the consumer: release the connection.
      current?.response.body.destroy();
    }
  }

  return bytes();
}

/** An open response and how many bytes of it come before the position asked for. */
interface Opened {
  response: TransportResponse;
  skip: number;
}

/** Clean but short ends of a body: reopened like a cut connection. */
const shortEnds = new WeakSet<object>();

/** The number of bytes to drop before `position`: 0 for a matching 206, `position` for a 200. */
function checkResponse(
  response: TransportResponse,
  descriptor: Descriptor,
  position: number,
  where: string,
): number {
  if (response.status === 206) {
    const range = parseContentRange(response.headers["content-range"]);
    if (range.start !== position) {
      throw new InvalidResponseError(
        `${where}: asked for bytes from ${position}, the registry sent bytes ${range.start}-${range.end}`,
      );
    }
    if (range.size !== undefined && range.size !== descriptor.size) {
      throw new SizeMismatchError(descriptor.size, range.size, where);
    }
    return 0;
  }
  const length = Number(headerValue(response.headers["content-length"]));
  // A 200 is always the whole blob: a length other than the descriptor's is wrong before any byte is read.
  if (Number.isSafeInteger(length) && length !== descriptor.size) {
    throw new SizeMismatchError(descriptor.size, length, where);
  }
  return position;
}

/** A cut connection, a transport resume that did not fit, or a clean but short end may be reopened. */
function resumable(error: unknown, position: number, target: number): boolean {
  if (position >= target) return false;
  if (NetworkError.isInstance(error) || InvalidResponseError.isInstance(error)) return true;
  return typeof error === "object" && error !== null && shortEnds.has(error);
}

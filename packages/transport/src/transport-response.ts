/**
 * The response `send` resolves with. The body streams (blob downloads of many GiB go through it) and its
 * failures — a cut connection, a body timeout, an abort — arrive as stevedore errors, not undici ones.
 */
import { Readable } from "node:stream";
import { InvalidResponseError, redactUrl } from "@stevedore/core";
import { toTransportError } from "./to-transport-error.js";

/** A response with an expected status. Consume or `dump()` the body: the connection is held until then. */
export interface TransportResponse {
  readonly status: number;
  /** Lower-case names; repeated headers as arrays. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The URL that answered, after redirects. */
  readonly url: URL;
  /** The body as a Node stream; errors are `NetworkError`, `AbortError` or `InvalidResponseError`. */
  readonly body: Readable;
  /** The whole body as UTF-8 text; `InvalidResponseError` past `limit` bytes. */
  text(limit?: number): Promise<string>;
  /** The whole body parsed as JSON; `InvalidResponseError` when it is not JSON or exceeds `limit` bytes. */
  json(limit?: number): Promise<unknown>;
  /**
   * The whole body as bytes; `InvalidResponseError` past `limit` bytes (checked against `Content-Length`
   * first), or what `tooLarge` returns, so a declared and an endless body fail alike.
   */
  bytes(limit?: number, tooLarge?: () => Error): Promise<Uint8Array>;
  /** Discards the body, keeping the connection for reuse when the rest is small. */
  dump(): Promise<void>;
}

/** What undici's `request()` resolved with, plus the request it answers. */
export interface RawResponse {
  method: string;
  url: URL;
  status: number;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body: Readable & { dump?: () => Promise<void> };
  signal?: AbortSignal;
}

/** Wraps an undici response as a {@link TransportResponse}. */
export function createTransportResponse(raw: RawResponse): TransportResponse {
  let wrapped: Readable | undefined;
  const where = () => `${raw.method} ${redactUrl(raw.url)}`;
  const body = (): Readable => {
    wrapped ??= mapBodyErrors(raw.body, (error) => toTransportError(error, raw.method, raw.url, raw.signal));
    return wrapped;
  };
  const bytes = async (limit = Number.POSITIVE_INFINITY, tooLarge?: () => Error): Promise<Uint8Array> => {
    const declared = Number(firstValue(raw.headers["content-length"]));
    const stream = body();
    if (Number.isFinite(declared) && declared > limit) {
      stream.destroy();
      throw (
        tooLarge?.() ??
        new InvalidResponseError(
          `${where()}: response body of ${declared} bytes exceeds the limit of ${limit}`,
        )
      );
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of stream) {
      size += (chunk as Buffer).length;
      if (size > limit) {
        stream.destroy();
        throw (
          tooLarge?.() ??
          new InvalidResponseError(`${where()}: response body exceeds the limit of ${limit} bytes`)
        );
      }
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks);
  };
  const text = async (limit?: number): Promise<string> => Buffer.from(await bytes(limit)).toString("utf8");
  return {
    status: raw.status,
    headers: raw.headers,
    url: raw.url,
    get body() {
      return body();
    },
    bytes,
    text,
    async json(limit) {
      const content = await text(limit);
      try {
        return JSON.parse(content) as unknown;
      } catch {
        throw new InvalidResponseError(`${where()}: response body is not valid JSON`);
      }
    },
    async dump() {
      if (wrapped !== undefined) {
        wrapped.destroy();
        return;
      }
      try {
        if (typeof raw.body.dump === "function") await raw.body.dump();
        else raw.body.destroy();
      } catch {
        // Nothing to report: the caller did not want the body.
      }
    },
  };
}

function firstValue(value: string | string[] | undefined): string | undefined {
  return typeof value === "string" ? value : value?.[0];
}

/** A stream with the bytes of `source` whose errors pass through `map`; destroying it destroys `source`. */
function mapBodyErrors(source: Readable, map: (error: unknown) => Error): Readable {
  const output = new Readable({
    highWaterMark: source.readableHighWaterMark,
    read() {
      source.resume();
    },
    destroy(error, callback) {
      source.destroy();
      callback(error);
    },
  });
  source.on("data", (chunk: Buffer) => {
    if (!output.push(chunk)) source.pause();
  });
  source.once("end", () => output.push(null));
  source.once("error", (error) => output.destroy(map(error)));
  // The body is wrapped when first read: a connection cut before that has failed it already, and no event
  // comes any more. Without this the reader would wait forever.
  if (source.destroyed && !source.readableEnded) {
    const error = source.errored ?? new Error("the response body was closed before it ended");
    process.nextTick(() => output.destroy(map(error)));
  }
  return output;
}

/**
 * Request bodies (`DESIGN.md` §5, STYLE "Streams"). Bytes, strings and factories can be sent again — after a
 * 401 challenge, on a retry, on a 307/308 redirect — because a factory is simply called again for a fresh
 * stream. A stream or async iterable handed over directly is one-shot: it is sent once, after
 * authentication (see `send`), and never replayed once read.
 */
import { Readable } from "node:stream";
import { redactText, StevedoreError, UsageError } from "@stevedore/core";

/** What a factory body may return for each attempt. */
export type BodySource = Uint8Array | string | AsyncIterable<Uint8Array> | NodeJS.ReadableStream;

/**
 * A request body. Bytes, strings and factories are replayable; a stream or async iterable is one-shot.
 * Set `content-length` in the headers for factories and streams: registries want it for uploads
 * (`spec/PROTOCOL.md` §10), and without it the body goes out chunked.
 */
export type TransportBody = Uint8Array | string | (() => BodySource) | AsyncIterable<Uint8Array>;

/** How a body behaves on a second attempt. */
export type BodyKind = "none" | "replayable" | "one-shot";

/** The body handed to undici for one dispatch, and how to free what it did not read. */
export interface DispatchBody {
  body: string | Uint8Array | Readable | AsyncIterable<Uint8Array> | null;
  release(): void;
}

/** Classifies `body`; throws `UsageError` for anything that is not a body. */
export function bodyKind(body: unknown): BodyKind {
  if (body === undefined || body === null) return "none";
  if (body instanceof Uint8Array || typeof body === "string" || typeof body === "function")
    return "replayable";
  if (isAsyncIterable(body)) return "one-shot";
  throw new UsageError("body must be a Uint8Array, a string, a function returning a stream, or a stream");
}

/** Prepares `body` for one dispatch. A factory is called now, and again whenever undici replays the body. */
export function dispatchBody(body: TransportBody | undefined): DispatchBody {
  const none = () => {};
  if (body === undefined || body === null) return { body: null, release: none };
  if (body instanceof Uint8Array || typeof body === "string") return { body, release: none };
  if (typeof body !== "function") {
    // undici tells a read stream from a fresh one (and so refuses to replay it); a bare iterable it cannot.
    const stream = isNodeStream(body) ? body : Readable.from(body, { objectMode: false });
    return { body: stream, release: () => (stream.readableDidRead ? undefined : stream.destroy()) };
  }
  const first = callFactory(body);
  if (first instanceof Uint8Array || typeof first === "string") return { body: first, release: none };
  let pending: BodySource | undefined = first;
  const replayable: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]() {
      const source = pending ?? callFactory(body);
      pending = undefined;
      return toAsyncIterable(source)[Symbol.asyncIterator]();
    },
  };
  return {
    body: replayable,
    release() {
      if (pending !== undefined && isNodeStream(pending)) pending.destroy();
      pending = undefined;
    },
  };
}

function callFactory(factory: () => BodySource): BodySource {
  let source: BodySource;
  try {
    source = factory();
  } catch (error) {
    if (StevedoreError.isInstance(error)) throw error;
    const message = redactText(error instanceof Error ? error.message : String(error));
    throw new UsageError(`the request body factory failed: ${message}`, { cause: error });
  }
  if (source instanceof Uint8Array || typeof source === "string" || isAsyncIterable(source)) return source;
  throw new UsageError("the request body factory must return a Uint8Array, a string or a stream");
}

function toAsyncIterable(source: BodySource): AsyncIterable<Uint8Array> {
  if (source instanceof Uint8Array || typeof source === "string") {
    const bytes = typeof source === "string" ? Buffer.from(source) : source;
    return (async function* () {
      yield bytes;
    })();
  }
  return source as AsyncIterable<Uint8Array>;
}

function isAsyncIterable(value: unknown): value is AsyncIterable<Uint8Array> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === "function"
  );
}

function isNodeStream(value: unknown): value is Readable {
  return value instanceof Readable;
}

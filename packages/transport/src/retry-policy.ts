/**
 * When a failed attempt is tried again, and after how long (`DESIGN.md` §5). The decision is a pure
 * function of the failure, the attempt number and the options, so tests pin every delay.
 *
 * Why undici's retry *handler* with our own policy callback, rather than its default policy or a retry
 * interceptor of our own: the handler does the hard part well — it replays byte and factory bodies,
 * refuses to replay a stream that was already read, and resumes a cut response body with `Range` and
 * `If-Match` so the caller's stream continues seamlessly. Its default policy, though, sleeps with the real
 * `setTimeout`, clamps `Retry-After` instead of refusing waits that are too long, reads HTTP dates against
 * the wall clock, retries by method only and has no jitter. Its `retry` option replaces exactly that part,
 * so this callback gets an injected `sleep`, `now` and `random`, a `Retry-After` cap and our idempotency
 * rules, while the replay and resume machinery stays undici's.
 */

import { isLoopbackHost } from "@stevedore/core";
import type { RetryHandler } from "undici";
import { parseRetryAfter } from "./parse-retry-after.js";

/** Retry options after validation (see `RetryOptions`). */
export interface ResolvedRetryOptions {
  maxRetries: number;
  minDelay: number;
  maxDelay: number;
  factor: number;
  jitter: number;
  maxRetryAfter: number;
  statusCodes: ReadonlySet<number>;
  errorCodes: ReadonlySet<string>;
}

/** Statuses retried by default: timeout, rate limit and the transient server errors. */
export const defaultStatusCodes: readonly number[] = [408, 429, 500, 502, 503, 504];

/** Failed-connection codes retried by default. `ENOTFOUND` is absent: a misspelt host does not heal. */
export const defaultErrorCodes: readonly string[] = [
  "ECONNRESET",
  "ECONNREFUSED",
  "ETIMEDOUT",
  "EPIPE",
  "EAI_AGAIN",
  "ENETDOWN",
  "ENETUNREACH",
  "EHOSTDOWN",
  "EHOSTUNREACH",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  // An HTTP/2 stream reset by the server or a proxy (RST_STREAM): what a cut connection is over HTTP/1.1.
  "ERR_HTTP2_STREAM_ERROR",
];

// Failures before any byte of the request left: safe to retry even for a non-idempotent request.
const beforeSendCodes = new Set([
  "ECONNREFUSED",
  "EAI_AGAIN",
  "ENETDOWN",
  "ENETUNREACH",
  "EHOSTDOWN",
  "EHOSTUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
]);

const idempotentMethods = new Set(["GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"]);

/** True for the methods RFC 9110 §9.2.2 calls idempotent. */
export function isIdempotentMethod(method: string): boolean {
  return idempotentMethods.has(method.toUpperCase());
}

/** What went wrong with one attempt: a response status (with its headers) or a connection error code. */
export interface RetryFailure {
  status?: number;
  headers?: Readonly<Record<string, string | string[] | undefined>>;
  code?: string;
  /** The request went to a loopback host, where a refused connect means nothing listens: not retried. */
  loopback?: boolean;
}

/** A retry to make, after `delay` milliseconds. */
export interface RetryDecision {
  delay: number;
  reason: string;
}

/**
 * Whether attempt number `attempt` (1 = the first try) is retried, and when. Idempotent requests are
 * retried on the configured statuses and connection errors; other requests only when the connection
 * failed before anything was sent. A `Retry-After` up to `maxRetryAfter` replaces the backoff; a longer
 * one means no retry. The backoff is `minDelay · factor^(attempt−1)`, capped at `maxDelay`, minus up to
 * `jitter` of itself at random. Without `retryAfterCut`, a connection that failed after the request began
 * to go out is not retried even when the request is idempotent.
 */
export function decideRetry(
  failure: RetryFailure,
  attempt: number,
  idempotent: boolean,
  options: ResolvedRetryOptions,
  clock: { now: () => number; random: () => number },
  retryAfterCut = true,
): RetryDecision | undefined {
  if (attempt > options.maxRetries) return undefined;
  let reason: string;
  if (failure.status !== undefined) {
    if (!idempotent || !options.statusCodes.has(failure.status)) return undefined;
    reason = `status ${failure.status}`;
    const retryAfter = parseRetryAfter(failure.headers?.["retry-after"], clock.now());
    if (retryAfter !== undefined) {
      return retryAfter <= options.maxRetryAfter
        ? { delay: retryAfter, reason: `${reason}, Retry-After` }
        : undefined;
    }
  } else {
    const code = failure.code;
    if (code === undefined || !options.errorCodes.has(code)) return undefined;
    if (code === "ECONNREFUSED" && failure.loopback === true) return undefined;
    if (!(idempotent && retryAfterCut) && !beforeSendCodes.has(code)) return undefined;
    reason = code;
  }
  const backoff = Math.min(options.maxDelay, options.minDelay * options.factor ** (attempt - 1));
  const random = Math.min(Math.max(clock.random(), 0), 1);
  return { delay: Math.round(backoff * (1 - options.jitter * random)), reason };
}

/** Reads the failure out of what undici's retry handler reports (a `RequestRetryError` or a connection error). */
export function retryFailureOf(error: unknown): RetryFailure {
  const fields = (typeof error === "object" && error !== null ? error : {}) as {
    code?: unknown;
    statusCode?: unknown;
    headers?: unknown;
  };
  if (fields.code === "UND_ERR_REQ_RETRY" && typeof fields.statusCode === "number") {
    const headers = typeof fields.headers === "object" && fields.headers !== null ? fields.headers : {};
    return { status: fields.statusCode, headers: headers as RetryFailure["headers"] };
  }
  return typeof fields.code === "string" ? { code: fields.code } : {};
}

/** Hooks of {@link createRetryCallback}. */
export interface RetryCallbackHooks {
  options: ResolvedRetryOptions;
  sleep: (milliseconds: number, signal?: AbortSignal) => Promise<void>;
  now: () => number;
  random: () => number;
  /** The request's idempotency; when absent it follows the method. */
  idempotent?: boolean;
  /** Whether a connection that failed after the request began to go out is retried. Default `true`. */
  retryAfterCut?: boolean;
  signal?: AbortSignal;
  onRetry?: (decision: RetryDecision, attempt: number, method: string, url: string) => void;
}

/** The `retry` callback handed to undici's retry handler: our policy, waiting through the injected `sleep`. */
export function createRetryCallback(hooks: RetryCallbackHooks): RetryHandler.RetryCallback {
  return (error, { state, opts }, callback) => {
    const idempotent = hooks.idempotent ?? isIdempotentMethod(opts.method);
    const failure = { ...retryFailureOf(error), loopback: isLoopbackOrigin(opts.origin) };
    const decision = decideRetry(
      failure,
      state.counter,
      idempotent,
      hooks.options,
      hooks,
      hooks.retryAfterCut,
    );
    if (decision === undefined) {
      callback(error);
      return;
    }
    hooks.onRetry?.(decision, state.counter, opts.method, `${opts.origin ?? ""}${opts.path}`);
    hooks.sleep(decision.delay, hooks.signal).then(
      () => callback(null),
      () => callback(error),
    );
  };
}

function isLoopbackOrigin(origin: string | URL | undefined): boolean {
  if (origin === undefined) return false;
  try {
    return isLoopbackHost(new URL(origin).hostname);
  } catch {
    return false;
  }
}

/**
 * Checks a {@link TransportRequest} once, before anything is sent, and normalises it: upper-case method,
 * parsed URL, lower-case header names. Bad input is a `UsageError` that quotes no header value and only a
 * redacted URL.
 */
import type { Scope } from "@stevedore/core";
import { redactUrl, UsageError } from "@stevedore/core";
import { type BodyKind, bodyKind, type TransportBody } from "./request-body.js";
import { isIdempotentMethod } from "./retry-policy.js";

/** One request for `Transport.send`. */
export interface TransportRequest {
  /** `GET`, `HEAD`, `PUT`, `POST`, `PATCH`, `DELETE` … */
  method: string;
  /** An absolute `http:` or `https:` URL, without user info. */
  url: URL | string;
  /**
   * Request headers. An `authorization` header given here is sent as is and the `AuthStrategy` is not
   * consulted for this request.
   */
  headers?: Readonly<Record<string, string>>;
  /** Bytes, a string or a factory (replayable), or a stream (one-shot: sent once, after authentication). */
  body?: TransportBody;
  /** The token scopes the request needs, passed to the `AuthStrategy` (`spec/PROTOCOL.md` §11.4). */
  scopes?: readonly Scope[];
  /** The statuses that count as success. Default: any 2xx. */
  expect?: readonly number[];
  /** Whether retrying is safe. Default: true for GET, HEAD, PUT, DELETE, OPTIONS, TRACE. */
  idempotent?: boolean;
  /**
   * Whether an idempotent request whose connection failed after it began to go out is sent again (statuses
   * are still retried). Default `true`. An upload's `PUT` with the blob sets `false`: distribution
   * invalidates a session whose request was cut, and the upload opens a new one instead (issue 13).
   */
  retryAfterCut?: boolean;
  /** Aborts the request, including a streaming response body. */
  signal?: AbortSignal;
  /** Follow 3xx redirects. Default `true`. */
  followRedirects?: boolean;
  /** Per-request timeouts in milliseconds, overriding the transport's. */
  timeouts?: { headers?: number; bodyIdle?: number };
  /**
   * A large body (a blob of many MiB): with `http2` on, it goes over HTTP/1.1 connections of its own,
   * not the shared h2 one, since a registry serving h2 spends several times the CPU per byte and undici
   * reads h2 slower (docs/decisions/0029-large-bodies-over-http1.md). Default `false`.
   */
  bulk?: boolean;
}

/** A {@link TransportRequest} after checking. */
export interface PreparedRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: TransportBody | undefined;
  bodyKind: BodyKind;
  scopes: readonly Scope[];
  expect: readonly number[] | undefined;
  idempotent: boolean;
  retryAfterCut: boolean;
  signal: AbortSignal | undefined;
  followRedirects: boolean;
  timeouts: { headers?: number; bodyIdle?: number };
  bulk: boolean;
}

/** Checks and normalises `request`; throws `UsageError` on anything unusable. */
export function prepareRequest(request: TransportRequest): PreparedRequest {
  if (typeof request !== "object" || request === null) throw new UsageError("request must be an object");
  const method = typeof request.method === "string" ? request.method.toUpperCase() : "";
  if (!/^[A-Z]{1,20}$/.test(method) || method === "CONNECT") {
    throw new UsageError(`invalid request method ${JSON.stringify(String(request.method).slice(0, 30))}`);
  }
  const url = parseUrl(request.url);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/i.test(name))
      throw new UsageError(`invalid header name ${JSON.stringify(name.slice(0, 60))}`);
    if (typeof value !== "string" || /[\r\n\0]/.test(value))
      throw new UsageError(`invalid value for header ${name}`);
    headers[name.toLowerCase()] = value;
  }
  const expect = request.expect;
  if (
    expect !== undefined &&
    (!Array.isArray(expect) || expect.some((status) => !Number.isInteger(status)))
  ) {
    throw new UsageError("expect must be an array of status codes");
  }
  const timeouts = request.timeouts ?? {};
  for (const [name, value] of Object.entries(timeouts)) {
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 0)) {
      throw new UsageError(`timeouts.${name} must be a non-negative integer`);
    }
  }
  if (request.signal !== undefined && !(request.signal instanceof AbortSignal)) {
    throw new UsageError("signal must be an AbortSignal");
  }
  if (request.bulk !== undefined && typeof request.bulk !== "boolean") {
    throw new UsageError("bulk must be true or false");
  }
  return {
    method,
    url,
    headers,
    body: request.body,
    bodyKind: bodyKind(request.body),
    scopes: Array.isArray(request.scopes) ? request.scopes : [],
    expect,
    idempotent: request.idempotent ?? isIdempotentMethod(method),
    retryAfterCut: request.retryAfterCut ?? true,
    signal: request.signal,
    followRedirects: request.followRedirects ?? true,
    timeouts: { ...timeouts },
    bulk: request.bulk ?? false,
  };
}

function parseUrl(input: unknown): URL {
  let url: URL;
  try {
    url = new URL(input instanceof URL ? input.href : String(input));
  } catch {
    throw new UsageError(`invalid request URL ${JSON.stringify(redactUrl(String(input)).slice(0, 200))}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`request URL must be http or https, not ${url.protocol}`);
  }
  if (url.username || url.password) {
    // Credentials belong to the AuthStrategy; one in a URL would be sent to every redirect target.
    throw new UsageError(`request URL must not carry user info: ${redactUrl(url)}`);
  }
  url.hash = "";
  return url;
}

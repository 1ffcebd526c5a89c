/**
 * Builds the `RegistryResponseError` of an unexpected status (`spec/PROTOCOL.md` §9): the registry's own
 * error codes, messages and details verbatim from a JSON body, the request id, `Retry-After`, and on a 429
 * the rate-limit headers. Bodies
 * are read defensively: at most `limit` bytes (the rest is not downloaded), HTML from a proxy or anything
 * else that is not the error JSON is ignored, and HEAD responses have no body at all.
 */
import type { Readable } from "node:stream";
import type { RegistryErrorDetail } from "@stevedore/core";
import { RegistryResponseError, redactUrl } from "@stevedore/core";
import { parseRateLimit } from "./parse-rate-limit.js";
import { parseRetryAfter } from "./parse-retry-after.js";

type Headers = Readonly<Record<string, string | string[] | undefined>>;

// Where registries, their CDNs and their storage put a request id, most specific first.
const requestIdHeaders = [
  "docker-request-id",
  "x-request-id",
  "x-amz-request-id",
  "x-ms-request-id",
  "x-github-request-id",
  "x-goog-request-id",
  "x-correlation-id",
  "request-id",
  "x-amz-cf-id",
  "cf-ray",
];

const maxErrorEntries = 50;

/** What {@link readRegistryError} needs to know about the failed response. */
export interface FailedResponse {
  method: string;
  /** The URL that answered (after redirects); redacted here. */
  url: URL | string;
  status: number;
  headers: Headers;
  body: Readable;
}

/** Reads at most `limit` bytes of `response.body`, closes it, and returns the error to throw. */
export async function readRegistryError(
  response: FailedResponse,
  limit: number,
  now: number,
): Promise<RegistryResponseError> {
  const text = response.method === "HEAD" ? "" : await readCapped(response.body, limit);
  if (response.method === "HEAD") closeQuietly(response.body);
  const retryAfter = parseRetryAfter(response.headers["retry-after"], now);
  return new RegistryResponseError({
    status: response.status,
    method: response.method,
    url: redactUrl(response.url),
    errors: parseErrorBody(text),
    requestId: requestIdOf(response.headers),
    retryAfter: retryAfter === undefined ? undefined : Math.ceil(retryAfter / 1000),
    // On a 429 the message names the limit (Docker Hub, spec/PROTOCOL.md §15); elsewhere it is noise.
    rateLimit: response.status === 429 ? parseRateLimit(response.headers) : undefined,
  });
}

/** The `errors` of a registry error body (`{ errors: [{ code, message, detail }] }`), or `[]` for anything else. */
export function parseErrorBody(text: string): RegistryErrorDetail[] {
  if (!text.trimStart().startsWith("{")) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return [];
  }
  const errors = (parsed as { errors?: unknown } | null)?.errors;
  if (!Array.isArray(errors)) return [];
  const details: RegistryErrorDetail[] = [];
  for (const entry of errors.slice(0, maxErrorEntries)) {
    if (typeof entry !== "object" || entry === null || typeof entry.code !== "string") continue;
    const detail: RegistryErrorDetail = { code: entry.code };
    if (typeof entry.message === "string") detail.message = entry.message;
    if (entry.detail !== undefined) detail.detail = entry.detail;
    details.push(detail);
  }
  return details;
}

/** The first request id header present, kept only when it is short and printable. */
export function requestIdOf(headers: Headers): string | undefined {
  for (const name of requestIdHeaders) {
    const value = headers[name];
    const first = typeof value === "string" ? value : value?.[0];
    if (first && first.length <= 200 && /^[\x21-\x7e][\x20-\x7e]*$/.test(first)) return first.trim();
  }
  return undefined;
}

async function readCapped(body: Readable, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
      chunks.push(buffer.subarray(0, limit - size));
      size += buffer.length;
      // Stop downloading: a multi-megabyte HTML page carries no registry error code worth the wait.
      if (size >= limit) break;
    }
  } catch {
    // A body cut short still yields whatever arrived; the status alone is the error.
  } finally {
    closeQuietly(body);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * Destroys a body we are done with. undici's body emits "Request aborted" when destroyed before its end
 * (always so for a HEAD): without a listener that error would be uncaught and end the process.
 */
function closeQuietly(body: Readable): void {
  body.on("error", () => undefined);
  body.destroy();
}

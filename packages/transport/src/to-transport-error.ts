/**
 * Turns whatever undici, the operating system or an abort threw into a stevedore error. The request is
 * named by method and redacted URL; the original error is kept as `cause` only in a redacted copy, so no
 * signed URL or credential it quoted survives into `util.inspect(error)` either.
 */
import {
  AbortError,
  errorCode,
  InvalidResponseError,
  NetworkError,
  redactText,
  redactUrl,
  StevedoreError,
  UsageError,
} from "@stevedore/core";

const responseCodes = new Set([
  "UND_ERR_RES_CONTENT_LENGTH_MISMATCH",
  "UND_ERR_RES_EXCEEDED_MAX_SIZE",
  "UND_ERR_HEADERS_OVERFLOW",
  "UND_ERR_REQ_RETRY",
  "UND_ERR_REDIRECT_MAX",
]);

/** The stevedore error for a failure of `method url`. Stevedore errors pass through unchanged. */
export function toTransportError(
  error: unknown,
  method: string,
  url: URL | string,
  signal?: AbortSignal,
): StevedoreError {
  if (StevedoreError.isInstance(error)) return error;
  const where = `${method} ${redactUrl(url)}`;
  const code = errorCode(error);
  const message = redactText(error instanceof Error ? error.message : String(error)).slice(0, 300);
  const cause = redactedCause(error);
  if (
    signal?.aborted ||
    code === "UND_ERR_ABORTED" ||
    code === "ABORT_ERR" ||
    errorName(error) === "AbortError"
  ) {
    return new AbortError(`${where} aborted`, { cause });
  }
  if (code === "UND_ERR_INVALID_ARG" && /redirect loop/i.test(message)) {
    return new InvalidResponseError(`${where}: the redirects form a loop`, { cause });
  }
  if (code === "UND_ERR_INVALID_ARG" && /invalid url/i.test(message)) {
    // Request URLs are checked before they are sent (prepare-request), so this is a redirect's Location:
    // the registry's bad answer, not the caller's mistake (issue 13, point 6).
    return new InvalidResponseError(
      `${where}: the registry redirected to a URL that cannot be followed (only http and https are)`,
      { cause },
    );
  }
  if (
    code === "UND_ERR_INVALID_ARG" ||
    code === "UND_ERR_REQ_CONTENT_LENGTH_MISMATCH" ||
    code === "ERR_INVALID_ARG_TYPE"
  ) {
    return new UsageError(`${where}: ${message}`, { cause });
  }
  if (code !== undefined && responseCodes.has(code)) {
    return new InvalidResponseError(`${where}: unusable response (${code}: ${message})`, { cause });
  }
  if (code === "ECONNREFUSED") {
    return new NetworkError(`${where} failed: connection refused (${code}: ${message})`, { cause });
  }
  return new NetworkError(`${where} failed: ${code ? `${code}: ` : ""}${message}`, { cause });
}

function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

/** A copy of `error` with its message and stack redacted, safe to keep as a `cause`. */
export function redactedCause(error: unknown): Error {
  const original = error instanceof Error ? error : new Error(String(error));
  const copy = new Error(redactText(original.message));
  copy.name = original.name;
  copy.stack = redactText(original.stack ?? `${original.name}: ${original.message}`);
  const code = errorCode(original);
  if (code !== undefined) Object.assign(copy, { code });
  return copy;
}

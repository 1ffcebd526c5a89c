/**
 * Redaction of values that may carry secrets before they reach a message, a log line or an error.
 * Storage hosts put signatures in query strings (S3 `X-Amz-Signature`, GCS `Signature`, CDN `token`),
 * and users put passwords in URLs: neither may ever be printed.
 */

const secretQueryKey =
  /^(x-amz-|x-goog-)|(sig|signature|token|auth|key|secret|password|credential|code|expires|policy)/i;

/** Returns `url` with user info removed and the values of secret-looking query parameters replaced by `REDACTED`. */
export function redactUrl(url: string | URL): string {
  let parsed: URL;
  try {
    parsed = new URL(String(url));
  } catch {
    // Not a URL: keep only what cannot be a query string or user info.
    const text = String(url);
    const cut = text.search(/[?#]/);
    const base = cut === -1 ? text : `${text.slice(0, cut)}?REDACTED`;
    return base.replace(/\/\/[^/@]*@/, "//REDACTED@");
  }
  if (parsed.username || parsed.password) {
    parsed.username = "REDACTED";
    parsed.password = "";
  }
  for (const key of [...new Set(parsed.searchParams.keys())]) {
    if (secretQueryKey.test(key)) parsed.searchParams.set(key, "REDACTED");
  }
  parsed.hash = "";
  return parsed.toString();
}

/** Returns the value of an `Authorization` header with its credential part removed (`Bearer REDACTED`). */
export function redactAuthorization(value: string): string {
  const space = value.indexOf(" ");
  return space === -1 ? "REDACTED" : `${value.slice(0, space)} REDACTED`;
}

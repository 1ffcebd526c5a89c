/**
 * Redaction of values that may carry secrets before they reach a message, a log line or an error.
 * Storage hosts put signatures in query strings (S3 `X-Amz-Signature`, GCS `X-Goog-Signature` and
 * `Signature`, Azure `sig`, CloudFront `Policy`, Docker Hub's CDN `verify`), and users put passwords in URLs:
 * neither may ever be printed.
 */

const secretQueryKey =
  /^(x-amz-|x-goog-)|(sig|signature|token|auth|key|secret|password|credential|code|expires|policy|verify|hmac)/i;

/** Schemes whose URLs `URL` parses into user info, host, path and query reliably. */
const webSchemes: readonly string[] = ["http:", "https:", "ws:", "wss:"];

/**
 * Returns `url` with user info replaced by `REDACTED`, the values of secret-looking query parameters
 * replaced by `REDACTED`, and the fragment dropped. Other parameters (`n`, `last`, `_state`) are kept so the
 * URL stays useful in a message. Text that is not an http(s) URL loses its whole query.
 *
 * @example
 * redactUrl("https://bucket.s3.amazonaws.com/blob?X-Amz-Signature=abc&partNumber=2");
 * // "https://bucket.s3.amazonaws.com/blob?X-Amz-Signature=REDACTED&partNumber=2"
 */
export function redactUrl(url: string | URL): string {
  const text = String(url);
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    return redactUnparsedUrl(text);
  }
  if (!webSchemes.includes(parsed.protocol)) return redactUnparsedUrl(text);
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

/** Not a web URL: keep only what cannot be a query string, a fragment or user info. */
function redactUnparsedUrl(text: string): string {
  const cut = text.search(/[?#]/);
  const base = cut === -1 ? text : text.slice(0, cut);
  const scheme = /^(?:[A-Za-z][A-Za-z0-9+.-]*:)?\/\//.exec(base);
  const start = scheme === null ? 0 : scheme[0].length;
  const slash = base.indexOf("/", start);
  const end = slash === -1 ? base.length : slash;
  const at = base.lastIndexOf("@", end - 1);
  const redacted = at < start ? base : `${base.slice(0, start)}REDACTED${base.slice(at)}`;
  return cut === -1 ? redacted : `${redacted}?REDACTED`;
}

/** Returns the value of an `Authorization` header with its credential part removed (`Bearer REDACTED`). */
export function redactAuthorization(value: string): string {
  const space = value.indexOf(" ");
  return space === -1 ? "REDACTED" : `${value.slice(0, space)} REDACTED`;
}

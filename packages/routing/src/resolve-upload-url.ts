import { InvalidHeaderError, redactUrl } from "@stevedore/core";
import { checkDigest } from "./grammar.js";

/** What {@link resolveUploadUrl} adds to the upload URL. */
export interface ResolveUploadUrlExtra {
  /** The digest of the whole blob, for the closing `PUT` (or the final chunk riding in it). */
  digest?: string;
}

// Whitespace and control characters inside a Location: the URL parser would silently drop tabs and
// newlines, which hides a broken or injected header, so they are refused instead.
const forbidden = /[\u0000-\u0020\u007f]/;

/**
 * Turns the `Location` of an upload response into the URL of the next upload request
 * (`spec/PROTOCOL.md` §1, §4.1).
 *
 * The upload URL is opaque: a relative `Location` is resolved against `requestUrl` (the URL of the request
 * that returned it), it may point at another host, and every query parameter the registry put there
 * (distribution's `_state=…`) is kept byte for byte. Only `digest=` is added (replacing a `digest` the
 * registry may have put there), through `URLSearchParams`, which also encodes a `+` in an algorithm name.
 * A fragment is dropped: it is never sent.
 *
 * Throws `InvalidHeaderError` when `location` is empty, holds whitespace or control characters, is not a
 * URL, is not http(s), or carries user info; `InvalidDigestError` for a malformed `extra.digest`.
 *
 * @example
 * ```ts
 * const next = resolveUploadUrl("/v2/team/app/blobs/uploads/0b1c?_state=abc", postUrl, { digest });
 * // https://registry.example/v2/team/app/blobs/uploads/0b1c?_state=abc&digest=sha256%3A…
 * ```
 */
export function resolveUploadUrl(location: string, requestUrl: URL, extra: ResolveUploadUrlExtra = {}): URL {
  const digest = extra?.digest === undefined ? undefined : checkDigest(extra.digest);
  if (typeof location !== "string") throw new InvalidHeaderError("Location", "missing");
  const value = location.replace(/^[ \t]+|[ \t]+$/g, "");
  if (value === "") throw new InvalidHeaderError("Location", "empty");
  if (forbidden.test(value)) {
    throw new InvalidHeaderError("Location", `${shown(value)} holds whitespace or control characters`);
  }
  let url: URL;
  try {
    url = new URL(value, requestUrl);
  } catch {
    throw new InvalidHeaderError("Location", `${shown(value)} is not a URL`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new InvalidHeaderError("Location", `${shown(value)} is not an http(s) URL`);
  }
  if (url.username !== "" || url.password !== "") {
    throw new InvalidHeaderError("Location", `${shown(value)} carries user info`);
  }
  url.hash = "";
  if (digest !== undefined) addDigest(url, digest);
  return url;
}

function addDigest(url: URL, digest: string): void {
  if (url.searchParams.has("digest")) {
    // Rewriting the query re-encodes it; only done in the odd case that there is a digest to replace.
    url.searchParams.set("digest", digest);
    return;
  }
  // Appending the encoded pair keeps the registry's own parameters exactly as it wrote them.
  const pair = new URLSearchParams({ digest }).toString();
  const search = url.search.replace(/^\?/, "");
  url.search = search === "" ? pair : `${search}&${pair}`;
}

function shown(value: string): string {
  const redacted = redactUrl(value);
  return JSON.stringify(redacted.length > 200 ? `${redacted.slice(0, 200)}…` : redacted);
}

/**
 * Redaction of free text that may quote a URL or a credential — the message of an error from below
 * (undici, the operating system, a helper process) — before it becomes part of a stevedore error.
 */
import { redactUrl } from "./redact.js";

const urlPattern = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi;
const queryPattern = /(\/[^\s"'<>?]*)?\?[^\s"'<>]*/g;
const credentialPattern = /\b(bearer|basic|token)(\s+)[^\s"',;]+/gi;

/**
 * `text` with URLs and query strings passed through `redactUrl` and `Bearer`/`Basic` credentials removed.
 *
 * @example
 * redactText("GET https://u:p@host/v2/?token=abc failed: Bearer xyz"); // "GET https://REDACTED@host/v2/?token=REDACTED failed: Bearer REDACTED"
 */
export function redactText(text: string): string {
  return text
    .replace(urlPattern, (url) => redactUrl(url))
    .replace(queryPattern, (part) => {
      const redacted = redactUrl(`http://redacted.invalid${part.startsWith("/") ? "" : "/"}${part}`);
      return part.startsWith("/")
        ? redacted.slice("http://redacted.invalid".length)
        : redacted.slice(redacted.indexOf("?"));
    })
    .replace(credentialPattern, "$1$2REDACTED");
}

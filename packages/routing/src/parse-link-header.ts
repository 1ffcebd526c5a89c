import { InvalidHeaderError } from "@stevedore/core";

/** One link of a `Link` header: its target as written and its relation types, lower-cased. */
interface LinkValue {
  target: string;
  relations: string[];
}

// RFC 9110 §5.6.2 tchar.
const tchar = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
// Characters refused inside <…>: whitespace, controls and the delimiters a URI-reference cannot hold.
const forbiddenInTarget = /[\u0000-\u0020\u007f<>"]/;

/**
 * Finds the `rel="next"` link of a `Link` header (RFC 8288) and resolves it against `requestUrl`
 * (`spec/PROTOCOL.md` §6, §7.1): how the tags list, the catalog and the referrers API paginate.
 *
 * Accepts several header lines (an array) and several comma-separated links per line, quoted or bare
 * `rel` values, several relation types in one `rel` (`rel="prev next"`), any case, extra whitespace and
 * other parameters (`title*=UTF-8''…`). Only the first `rel` of a link counts (RFC 8288 §3.3), and the first
 * link with `next` wins. Returns `undefined` when the header is absent or has no next link.
 *
 * The target may be relative (distribution sends `</v2/_catalog?last=b&n=2>; rel="next"`) or point at
 * another origin: callers decide whether to send credentials there.
 *
 * Throws `InvalidHeaderError` when the header does not follow the grammar, or the next target is not an
 * http(s) URL or is the request URL itself (following it would never end).
 *
 * @example
 * ```ts
 * parseLinkHeader('</v2/team/app/tags/list?last=b&n=2>; rel="next"', new URL("https://r.example/v2/team/app/tags/list?n=2"));
 * // URL https://r.example/v2/team/app/tags/list?last=b&n=2
 * ```
 */
export function parseLinkHeader(
  value: string | readonly string[] | undefined,
  requestUrl: URL,
): URL | undefined {
  if (value === undefined) return undefined;
  const lines = typeof value === "string" ? [value] : value;
  for (const line of lines) {
    if (typeof line !== "string") throw new InvalidHeaderError("Link", "not a string");
    const next = parseLinks(line).find((link) => link.relations.includes("next"));
    if (next !== undefined) return resolveTarget(next.target, requestUrl);
  }
  return undefined;
}

function resolveTarget(target: string, requestUrl: URL): URL {
  let url: URL;
  try {
    url = new URL(target, requestUrl);
  } catch {
    throw new InvalidHeaderError("Link", "the next target is not a URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new InvalidHeaderError("Link", "the next target is not an http(s) URL");
  }
  if (url.username !== "" || url.password !== "") {
    throw new InvalidHeaderError("Link", "the next target carries user info");
  }
  url.hash = "";
  const current = new URL(requestUrl);
  current.hash = "";
  // A next page that is this page would make every caller loop forever.
  if (url.href === current.href)
    throw new InvalidHeaderError("Link", "the next target is the request itself");
  return url;
}

/** Parses one header line: `#link-value` with `link-value = "<" URI-Reference ">" *( OWS ";" OWS link-param )`. */
function parseLinks(text: string): LinkValue[] {
  const links: LinkValue[] = [];
  let at = 0;
  const skipWhitespace = (): void => {
    while (text[at] === " " || text[at] === "\t") at++;
  };
  const fail = (reason: string): never => {
    throw new InvalidHeaderError("Link", `${reason} at character ${at + 1}`);
  };
  const readToken = (): string => {
    const start = at;
    while (at < text.length && tchar.test(text[at]!)) at++;
    if (at === start) fail("expected a token");
    return text.slice(start, at);
  };
  const readQuoted = (): string => {
    at++; // opening quote
    let out = "";
    while (at < text.length && text[at] !== '"') {
      if (text[at] === "\\") at++;
      const char = text[at];
      if (char === undefined) break;
      if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(char)) fail("control character in a quoted string");
      out += char;
      at++;
    }
    if (text[at] !== '"') fail("unterminated quoted string");
    at++;
    return out;
  };

  for (;;) {
    // Empty list elements are allowed (RFC 9110 §5.6.1).
    while (text[at] === " " || text[at] === "\t" || text[at] === ",") at++;
    if (at >= text.length) return links;
    if (text[at] !== "<") fail("expected '<'");
    const close = text.indexOf(">", at + 1);
    if (close === -1) fail("unterminated '<'");
    const target = text.slice(at + 1, close);
    if (forbiddenInTarget.test(target)) fail("whitespace or a control character inside <…>");
    at = close + 1;
    let relations: string[] | undefined;
    for (;;) {
      skipWhitespace();
      if (at >= text.length || text[at] === ",") break;
      if (text[at] !== ";") fail("expected ';' or ','");
      at++;
      skipWhitespace();
      const name = readToken().toLowerCase();
      skipWhitespace();
      let parameter: string | undefined;
      if (text[at] === "=") {
        at++;
        skipWhitespace();
        parameter = text[at] === '"' ? readQuoted() : readToken();
      }
      if (name === "rel" && relations === undefined) {
        relations = (parameter ?? "")
          .toLowerCase()
          .split(/[ \t]+/)
          .filter(Boolean);
      }
    }
    links.push({ target, relations: relations ?? [] });
  }
}

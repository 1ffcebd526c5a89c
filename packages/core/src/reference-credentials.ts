/**
 * User info typed into a reference or registry argument (`alice:S3cret@registry.example.com/app:1`, as in a
 * URL). References have no place for credentials, and the password must never reach a message, a log line
 * or `--debug` output (issue 13, point 7), so parsers find it first and name the input without it.
 */
import { InvalidReferenceError } from "./errors.js";

/** `algorithm:encoded` as the digest grammar has it (`spec/PROTOCOL.md` §3). */
const digestGrammar = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

/**
 * The index just past the user info of `input` (`user[:password]@`, after an optional `scheme://`), or
 * `-1` when it has none. An `@` followed by a `/` somewhere after it is user info (a digest never holds
 * `/`). Without a `/` after it, `name:tag@algorithm:encoded` and `user:password@host:port` look alike: a
 * port (1–5 digits) after the last `:`, or no digest shape at all, makes it user info.
 */
function userinfoEnd(input: string): number {
  const start = schemeLength(input);
  const at = input.indexOf("@", start);
  if (at === -1) return -1;
  const before = input.slice(start, at);
  const after = input.slice(at + 1);
  if (before === "") return -1;
  if (after.includes("/")) return hostAt(input, at) + 1;
  // `name@digest` with a malformed digest (`app@sha256:abc`) is reported as a bad digest: no `:` before `@`.
  if (!before.includes(":") || before.includes("/")) return -1;
  const port = /:\d{1,5}$/.test(after);
  return port || !digestGrammar.test(after) ? hostAt(input, at) + 1 : -1;
}

/**
 * The `@` that ends the user info whose first `@` is `at`: a password typed unencoded may hold `@` (and `/`)
 * itself, and neither a host nor a repository path holds `@`, so it is the last `@` not starting a digest.
 */
function hostAt(input: string, at: number): number {
  let end = input.lastIndexOf("@");
  while (end > at && isDigest(input.slice(end + 1))) end = input.lastIndexOf("@", end - 1);
  return end;
}

/** `sha256:…`, not `host:port` (which the digest grammar also matches). */
function isDigest(text: string): boolean {
  return digestGrammar.test(text) && !/:\d{1,5}$/.test(text);
}

function schemeLength(input: string): number {
  return /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(input)?.[0].length ?? 0;
}

/**
 * True when `input` starts with user info (`user:password@host/…`), which references cannot carry.
 *
 * @example
 * hasReferenceCredentials("alice:S3cret@ghcr.io/me/app:1"); // true
 * hasReferenceCredentials("ghcr.io/me/app@sha256:…"); // false
 */
export function hasReferenceCredentials(input: string): boolean {
  return typeof input === "string" && userinfoEnd(input) !== -1;
}

/**
 * `input` with its user info replaced by `REDACTED` (scheme kept), or unchanged when it has none.
 *
 * @example
 * redactReferenceCredentials("docker://alice:S3cret@ghcr.io/me/app"); // "docker://REDACTED@ghcr.io/me/app"
 */
export function redactReferenceCredentials(input: string): string {
  if (typeof input !== "string") return input;
  const end = userinfoEnd(input);
  if (end === -1) return input;
  const start = schemeLength(input);
  return `${input.slice(0, start)}REDACTED@${input.slice(end)}`;
}

const reason =
  "credentials in references are not supported; log in to the registry instead (stevedore login, docker login) or pass the user separately (-u USER --password-stdin)";

/**
 * Throws when `input` carries user info, naming it redacted.
 *
 * @throws InvalidReferenceError "credentials in references are not supported …" with `input` redacted.
 * @example
 * refuseReferenceCredentials("alice:S3cret@ghcr.io/me/app"); // throws, message holds "REDACTED@ghcr.io/me/app"
 */
export function refuseReferenceCredentials(input: string): void {
  if (hasReferenceCredentials(input)) {
    throw new InvalidReferenceError(redactReferenceCredentials(input), reason);
  }
}

/**
 * The error classes of stevedore. Every error thrown by a stevedore package is a {@link StevedoreError}
 * with a stable `code`, so callers (and the CLI's exit-code table) can branch on it without parsing text.
 *
 * Identity works across duplicate installs: each class has a `Symbol.for` marker, and
 * `XError.isInstance(value)` checks the marker instead of the prototype chain.
 */

import { boundedJsonValue } from "./bounded-json-value.js";
import { errorCode } from "./error-code.js";
import { inputText } from "./input-text.js";
import type { RegistryErrorCode } from "./registry-error-code.js";

const markerKey: unique symbol = Symbol.for("stevedore.error");
/** How many registry error entries `RegistryResponseError.toJSON` lists (transport keeps as many). */
const maxLoggedErrors = 50;

/** Options every stevedore error accepts. */
export interface StevedoreErrorOptions {
  /** The underlying error, kept for debugging. Never shown to users verbatim when it may hold secrets. */
  cause?: unknown;
  /** Whether repeating the same operation may succeed. */
  retryable?: boolean;
}

/** The base class of every stevedore error. */
export class StevedoreError extends Error {
  /** The `Symbol.for` key that marks each class; subclasses define their own. */
  static readonly marker: symbol = Symbol.for("stevedore.error.StevedoreError");
  /** A stable machine-readable code such as `STEVEDORE_DIGEST_MISMATCH`. */
  readonly code: string;
  /** Whether repeating the same operation may succeed. */
  readonly retryable: boolean;

  constructor(code: string, message: string, options: StevedoreErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
    const markers: symbol[] = [];
    for (let c: unknown = new.target; typeof c === "function"; c = Object.getPrototypeOf(c)) {
      if (Object.hasOwn(c, "marker")) markers.push((c as unknown as { marker: symbol }).marker);
      if (c === StevedoreError) break;
    }
    Object.defineProperty(this, markerKey, { value: new Set(markers), enumerable: false });
  }

  /** True when `value` is an instance of this class (or a subclass), even from another copy of the package. */
  static isInstance<T extends StevedoreError>(
    this: (abstract new (...args: never[]) => T) & { marker: symbol },
    value: unknown,
  ): value is T {
    if (typeof value !== "object" || value === null) return false;
    const markers = (value as { [markerKey]?: unknown })[markerKey];
    return markers instanceof Set && markers.has(this.marker);
  }

  /** A plain object for `--json` output and structured logs; holds no secrets by construction. */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = { name: this.name, code: this.code, message: this.message };
    for (const [key, value] of Object.entries(this)) {
      if (key !== "code" && key !== "retryable" && value !== undefined) out[key] = value;
    }
    out.retryable = this.retryable;
    return out;
  }
}

/** A reference string (`registry/repository:tag@digest`) that does not follow the grammar. */
export class InvalidReferenceError extends StevedoreError {
  static override readonly marker: symbol = Symbol.for("stevedore.error.InvalidReferenceError");
  /** The input that was rejected (references hold no secrets). */
  readonly input: string;
  constructor(input: string, reason: string, options?: StevedoreErrorOptions) {
    super(
      "STEVEDORE_INVALID_REFERENCE",
      `invalid reference ${JSON.stringify(clip(input))}: ${reason}`,
      options,
    );
    this.input = input;
  }
}

/** A digest string that does not follow the grammar, or uses an algorithm that is not supported where one is required. */
export class InvalidDigestError extends StevedoreError {
  static override readonly marker: symbol = Symbol.for("stevedore.error.InvalidDigestError");
  readonly input: string;
  constructor(input: string, reason: string, options?: StevedoreErrorOptions) {
    super("STEVEDORE_INVALID_DIGEST", `invalid digest ${JSON.stringify(clip(input))}: ${reason}`, options);
    this.input = input;
  }
}

/** A platform string (`os/arch[/variant][:osversion]`) or object that is not valid. */
export class InvalidPlatformError extends StevedoreError {
  static override readonly marker: symbol = Symbol.for("stevedore.error.InvalidPlatformError");
  readonly input: string;
  constructor(input: string, reason: string, options?: StevedoreErrorOptions) {
    super(
      "STEVEDORE_INVALID_PLATFORM",
      `invalid platform ${JSON.stringify(clip(input))}: ${reason}`,
      options,
    );
    this.input = input;
  }
}

/** A header value (`Link`, `WWW-Authenticate`, `Content-Range`, `Retry-After` …) that cannot be parsed. */
export class InvalidHeaderError extends StevedoreError {
  static override readonly marker: symbol = Symbol.for("stevedore.error.InvalidHeaderError");
  readonly header: string;
  constructor(header: string, reason: string, options?: StevedoreErrorOptions) {
    super("STEVEDORE_INVALID_HEADER", `invalid ${header} header: ${reason}`, options);
    this.header = header;
  }
}

/** A manifest or index that is not valid JSON, has the wrong shape, is too large, or is a rejected legacy format. */
export class ManifestError extends StevedoreError {
  static override readonly marker: symbol = Symbol.for("stevedore.error.ManifestError");
  constructor(message: string, options?: StevedoreErrorOptions) {
    super("STEVEDORE_MANIFEST_INVALID", message, options);
  }
}

/**
 * The one refusal of a manifest (or a layout's `index.json`, an archive's `manifest.json`) larger than the
 * `maxManifestBytes` a reader allows, wherever it came from: `manifest localhost:5000/app:v1 is more than
 * the limit of 4194304 bytes`. Readers check a declared size before reading, and stop reading past it.
 */
export function manifestTooLargeError(where: string, maxBytes: number): ManifestError {
  return new ManifestError(`${where} is more than the limit of ${maxBytes} bytes`);
}

/** A response (from a registry or a token service) whose body or headers make no sense. */
export class InvalidResponseError extends StevedoreError {
  static override readonly marker: symbol = Symbol.for("stevedore.error.InvalidResponseError");
  constructor(message: string, options?: StevedoreErrorOptions) {
    super("STEVEDORE_INVALID_RESPONSE", message, options);
  }
}

/** One entry of a registry's JSON error body (`spec/PROTOCOL.md` §9.1), kept verbatim. */
export interface RegistryErrorDetail {
  code: string;
  message?: string;
  detail?: unknown;
}

/**
 * The rate limit a registry announced on a response: Docker Hub's `ratelimit-limit`, `ratelimit-remaining`
 * and `docker-ratelimit-source` headers (`spec/PROTOCOL.md` §15).
 */
export interface RegistryRateLimit {
  /** Requests allowed per window (`ratelimit-limit: 100;w=21600` → 100). */
  limit: number;
  /** Requests left in the current window (`ratelimit-remaining`), when sent. */
  remaining?: number;
  /** The window in seconds (`;w=21600`), when sent. */
  windowSeconds?: number;
  /** Who the limit counts against (the client IP or the account), when sent. */
  source?: string;
}

/** Fields of a {@link RegistryResponseError}. */
export interface RegistryResponseErrorInit {
  status: number;
  method: string;
  /** Already redacted (see `redactUrl`). */
  url: string;
  errors?: readonly RegistryErrorDetail[];
  requestId?: string;
  /** Seconds, from `Retry-After`, when the registry sent one. */
  retryAfter?: number;
  /** The rate limit the response announced; on a 429 the message names it. */
  rateLimit?: RegistryRateLimit;
}

/** A registry answered with a status the operation does not accept. */
export class RegistryResponseError extends StevedoreError {
  static override readonly marker: symbol = Symbol.for("stevedore.error.RegistryResponseError");
  readonly status: number;
  readonly method: string;
  readonly url: string;
  /** The registry's own error codes and messages, verbatim (`MANIFEST_UNKNOWN`, `DENIED` …). */
  readonly errors: readonly RegistryErrorDetail[];
  readonly requestId: string | undefined;
  readonly retryAfter: number | undefined;
  /** The rate limit the response announced (Docker Hub, `spec/PROTOCOL.md` §15), when it did. */
  readonly rateLimit: RegistryRateLimit | undefined;

  constructor(init: RegistryResponseErrorInit, options?: StevedoreErrorOptions) {
    const errors = init.errors ?? [];
    const codes = errors.map((e) => (e.message ? `${e.code}: ${e.message}` : e.code)).join("; ");
    const limited =
      init.status === 429 && init.rateLimit ? `: ${rateLimitText(init.rateLimit, init.retryAfter)}` : "";
    const message = `${init.method} ${init.url} answered ${init.status}${limited}${codes ? ` (${oneLine(codes)})` : ""}`;
    super("STEVEDORE_REGISTRY_RESPONSE", message, {
      retryable: [408, 429, 500, 502, 503, 504].includes(init.status),
      ...options,
    });
    this.status = init.status;
    this.method = init.method;
    this.url = init.url;
    this.errors = errors;
    this.requestId = init.requestId;
    this.retryAfter = init.retryAfter;
    this.rateLimit = init.rateLimit;
  }

  /** True when the registry sent this error code (one of core's `registryErrorCodes`). */
  hasCode(code: RegistryErrorCode): boolean {
    return this.errors.some((e) => e.code === code);
  }

  /**
   * As {@link StevedoreError.toJSON}, with the registry's `errors` made safe to log: each `detail` (any
   * JSON a registry chose to send, `spec/PROTOCOL.md` §9.1) is cut at 32 levels of nesting (deeper arrays
   * and objects become `"[nested too deep]"`) and about 4 KiB of JSON (the rest becomes `"…[truncated]"`),
   * messages at 1 000 characters, and the list at its first 50 entries. `errors` itself stays verbatim.
   */
  override toJSON(): Record<string, unknown> {
    const out = super.toJSON();
    out.errors = this.errors.slice(0, maxLoggedErrors).map((entry) => {
      const logged: RegistryErrorDetail = { code: clip(inputText(entry.code), 100) };
      if (entry.message !== undefined) logged.message = clip(inputText(entry.message), 1000);
      if (entry.detail !== undefined) logged.detail = boundedJsonValue(entry.detail);
      return logged;
    });
    return out;
  }
}

/** The registry or its token service refused the credentials, or none were available when needed. */
export class AuthenticationError extends StevedoreError {
  static override readonly marker: symbol = Symbol.for("stevedore.error.AuthenticationError");
  /** The registry host the credentials were for. */
  readonly registry: string;
  constructor(registry: string, message: string, options?: StevedoreErrorOptions) {
    super("STEVEDORE_AUTHENTICATION", `${registry}: ${message}`, options);
    this.registry = registry;
  }
}

/** Credentials could not be read: a malformed config file, a failing credential helper. */
export class CredentialError extends StevedoreError {
  static override readonly marker: symbol = Symbol.for("stevedore.error.CredentialError");
  constructor(message: string, options?: StevedoreErrorOptions) {
    super("STEVEDORE_CREDENTIALS", message, options);
  }
}

/** Content whose digest is not the one it was asked for. */
export class DigestMismatchError extends StevedoreError {
  static override readonly marker: symbol = Symbol.for("stevedore.error.DigestMismatchError");
  readonly expected: string;
  readonly actual: string;
  constructor(expected: string, actual: string, where?: string, options?: StevedoreErrorOptions) {
    super(
      "STEVEDORE_DIGEST_MISMATCH",
      `digest mismatch${where ? ` for ${where}` : ""}: expected ${expected}, got ${actual}`,
      options,
    );
    this.expected = expected;
    this.actual = actual;
  }
}

/** Content whose size is not the one its descriptor gives. */
export class SizeMismatchError extends StevedoreError {
  static override readonly marker: symbol = Symbol.for("stevedore.error.SizeMismatchError");
  readonly expected: number;
  readonly actual: number;
  constructor(expected: number, actual: number, where?: string, options?: StevedoreErrorOptions) {
    super(
      "STEVEDORE_SIZE_MISMATCH",
      `size mismatch${where ? ` for ${where}` : ""}: expected ${expected} bytes, got ${actual}${actual > expected ? " or more" : ""}`,
      options,
    );
    this.expected = expected;
    this.actual = actual;
  }
}

/** A blob upload that could not be completed (after resuming where that was possible). */
export class UploadError extends StevedoreError {
  static override readonly marker: symbol = Symbol.for("stevedore.error.UploadError");
  constructor(message: string, options?: StevedoreErrorOptions) {
    super("STEVEDORE_UPLOAD", message, options);
  }
}

/** A tag, manifest, blob or repository that does not exist where it was looked for. */
export class NotFoundError extends StevedoreError {
  static override readonly marker: symbol = Symbol.for("stevedore.error.NotFoundError");
  constructor(message: string, options?: StevedoreErrorOptions) {
    super("STEVEDORE_NOT_FOUND", message, options);
  }
}

/** A connection that failed, timed out or was reset, after the retries the policy allows. */
export class NetworkError extends StevedoreError {
  static override readonly marker: symbol = Symbol.for("stevedore.error.NetworkError");
  constructor(message: string, options?: StevedoreErrorOptions) {
    super("STEVEDORE_NETWORK", message, { retryable: true, ...options });
  }
}

/** Local content (a layout directory, an archive, a file) that is missing, malformed or hostile. */
export class LocalFormatError extends StevedoreError {
  static override readonly marker: symbol = Symbol.for("stevedore.error.LocalFormatError");
  constructor(message: string, options?: StevedoreErrorOptions) {
    super("STEVEDORE_LOCAL_FORMAT", message, options);
  }
}

/**
 * A local file system operation that failed for a reason of the machine, not of the content: no space left
 * on the device, a read-only file system, permission denied, a file where a directory is expected. The
 * message names the operation, the path and the system's reason in words: `cannot write /data/x: no space
 * left on device (ENOSPC)`. Build one from a Node error with {@link localIoError}.
 */
export class LocalIoError extends StevedoreError {
  static override readonly marker: symbol = Symbol.for("stevedore.error.LocalIoError");
  /** What was being done: `create`, `write`, `rename`, `read` … */
  readonly operation: string;
  /** The path it was done to. */
  readonly path: string;
  /** The system error code (`ENOSPC`, `EROFS`, `EACCES` …), when there was one. */
  readonly systemCode: string | undefined;
  constructor(
    operation: string,
    path: string,
    systemCode: string | undefined,
    options?: StevedoreErrorOptions,
  ) {
    super(
      "STEVEDORE_LOCAL_IO",
      `cannot ${operation} ${path}: ${systemCode === undefined ? "file system error" : systemErrorText(systemCode)}`,
      options,
    );
    this.operation = operation;
    this.path = path;
    this.systemCode = systemCode;
  }
}

/** The usual wording of POSIX error codes (as `strerror` gives them on Linux). */
const systemErrorWords: Readonly<Record<string, string>> = {
  ENOSPC: "no space left on device",
  EDQUOT: "disk quota exceeded",
  EROFS: "read-only file system",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  ENOTDIR: "not a directory",
  EISDIR: "is a directory",
  EEXIST: "file exists",
  ENOENT: "no such file or directory",
  ENOTEMPTY: "directory not empty",
  EIO: "input/output error",
  EFBIG: "file too large",
  EMFILE: "too many open files",
  ENFILE: "too many open files in system",
  ENAMETOOLONG: "file name too long",
  ELOOP: "too many levels of symbolic links",
  EBUSY: "device or resource busy",
  EXDEV: "invalid cross-device link",
  EMLINK: "too many links",
  ETXTBSY: "text file busy",
  EAGAIN: "resource temporarily unavailable",
  ESTALE: "stale file handle",
};

/** `no space left on device (ENOSPC)`; an unknown code is given as it is. */
export function systemErrorText(systemCode: string): string {
  const words = systemErrorWords[systemCode];
  return words === undefined ? systemCode : `${words} (${systemCode})`;
}

/**
 * The stevedore error for a failed file system call: a {@link StevedoreError} passes through unchanged;
 * anything else becomes a {@link LocalIoError} naming `operation`, `path` and the system code of `error`.
 *
 * @example
 * ```ts
 * await rename(temporary, path).catch((error) => { throw localIoError("rename", path, error); });
 * ```
 */
export function localIoError(operation: string, path: string, error: unknown): StevedoreError {
  if (StevedoreError.isInstance(error)) return error;
  return new LocalIoError(operation, path, errorCode(error), { cause: error });
}

/** An option or argument a caller passed that cannot work (a negative concurrency, an unknown transport). */
export class UsageError extends StevedoreError {
  static override readonly marker: symbol = Symbol.for("stevedore.error.UsageError");
  constructor(message: string, options?: StevedoreErrorOptions) {
    super("STEVEDORE_USAGE", message, options);
  }
}

/** The operation was cancelled through its `AbortSignal`. */
export class AbortError extends StevedoreError {
  static override readonly marker: symbol = Symbol.for("stevedore.error.AbortError");
  constructor(message = "operation aborted", options?: StevedoreErrorOptions) {
    super("STEVEDORE_ABORTED", message, options);
  }
}

function clip(input: string, length = 300): string {
  return input.length > length ? `${input.slice(0, length)}…` : input;
}

/** `rate limit 100 per 21600 s reached for 203.0.113.5 (0 remaining); retry after 60 s`. */
function rateLimitText(rateLimit: RegistryRateLimit, retryAfter: number | undefined): string {
  const window = rateLimit.windowSeconds === undefined ? "" : ` per ${rateLimit.windowSeconds} s`;
  const source = rateLimit.source ? ` for ${clip(oneLine(inputText(rateLimit.source)), 100)}` : "";
  const remaining = rateLimit.remaining === undefined ? "" : ` (${rateLimit.remaining} remaining)`;
  const retry = retryAfter === undefined ? "retry later" : `retry after ${retryAfter} s`;
  return `rate limit ${rateLimit.limit}${window} reached${source}${remaining}; ${retry}`;
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > 500 ? `${flat.slice(0, 500)}…` : flat;
}

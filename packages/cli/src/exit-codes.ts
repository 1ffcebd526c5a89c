/**
 * The one table from failures to exit statuses. Every error the CLI reports goes through
 * {@link exitCodeFor}; the README and `stevedore --help` print {@link exitCodeTable}.
 */
import type { RegistryErrorCode } from "@stevedore/core";
import {
  AbortError,
  AuthenticationError,
  CredentialError,
  DigestMismatchError,
  errorCode,
  InvalidDigestError,
  InvalidPlatformError,
  InvalidReferenceError,
  LocalFormatError,
  LocalIoError,
  ManifestError,
  NetworkError,
  NotFoundError,
  RegistryResponseError,
  SizeMismatchError,
  StevedoreError,
  UsageError,
} from "@stevedore/core";

/** The exit statuses of `stevedore`, by name. */
export const ExitCode: {
  readonly ok: 0;
  readonly error: 1;
  readonly usage: 2;
  readonly notFound: 3;
  readonly authentication: 4;
  readonly network: 5;
  readonly verification: 6;
  readonly localIo: 7;
  readonly interrupted: 130;
} = {
  ok: 0,
  error: 1,
  usage: 2,
  notFound: 3,
  authentication: 4,
  network: 5,
  verification: 6,
  localIo: 7,
  interrupted: 130,
};

/** One of the values of {@link ExitCode}. */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** A row of the documented exit-code table. */
export interface ExitCodeEntry {
  code: ExitCodeValue;
  meaning: string;
  /** What to try, appended in parentheses to the one-line error message. */
  hint: string;
}

/** The documented exit codes, in order, with the hint printed after an error of that kind. */
export const exitCodeTable: readonly ExitCodeEntry[] = [
  { code: 0, meaning: "success", hint: "" },
  { code: 1, meaning: "any other error", hint: "run again with --debug for details" },
  {
    code: 2,
    meaning: "usage: bad flags or arguments, malformed reference, platform or digest, unknown transport",
    hint: "see 'stevedore --help'",
  },
  {
    code: 3,
    meaning: "not found: no such tag, manifest, blob or repository; missing local file or layout",
    hint: "check the name, tag, digest or path",
  },
  {
    code: 4,
    meaning: "authentication or authorisation failed, or credentials could not be read",
    hint: "log in with 'stevedore login REGISTRY -u USER --password-stdin' or pass -u USER --password-stdin",
  },
  {
    code: 5,
    meaning: "network: connection refused or reset, timeout, TLS",
    hint: "check the registry address and your network; use --plain-http for a registry without TLS",
  },
  {
    code: 6,
    meaning: "verification: digest or size mismatch, invalid or oversized manifest, malformed local content",
    hint: "the content is not what its digest or format promises; try again, the source may be corrupt",
  },
  {
    code: 7,
    meaning:
      "local file system: no space left, read-only file system, permission denied, a file where a directory is expected",
    hint: "check the path, its permissions and the free space on its file system",
  },
  {
    code: 130,
    meaning: "interrupted (SIGINT or SIGTERM); partial downloads and upload sessions are cleaned up",
    hint: "",
  },
];

/** Registry error codes (`spec/PROTOCOL.md` §9.2) that say what kind of failure this is, whatever the status. */
const registryCodeExits: Readonly<Partial<Record<RegistryErrorCode, ExitCodeValue>>> = {
  NAME_UNKNOWN: 3,
  MANIFEST_UNKNOWN: 3,
  BLOB_UNKNOWN: 3,
  BLOB_UPLOAD_UNKNOWN: 3,
  UNAUTHORIZED: 4,
  DENIED: 4,
  DIGEST_INVALID: 6,
  SIZE_INVALID: 6,
  MANIFEST_INVALID: 6,
  MANIFEST_BLOB_UNKNOWN: 6,
  NAME_INVALID: 2,
  TAG_INVALID: 2,
};

/** Node socket and TLS error codes that mean "the network failed" when one slips through unwrapped. */
const networkCodes = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_SOCKET",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "CERT_HAS_EXPIRED",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

/**
 * The exit status for an error: the class (through `isInstance`, so duplicate installs agree), then the
 * registry's own error codes and HTTP status, then the cause chain for wrappers such as `UploadError`.
 *
 * @example
 * exitCodeFor(new NotFoundError("tag v9 not found")); // 3
 */
export function exitCodeFor(error: unknown): ExitCodeValue {
  const direct = classify(error);
  if (direct !== ExitCode.error) return direct;
  // A generic wrapper (an UploadError around a NetworkError) takes the kind of what it wraps.
  let cause = (error as { cause?: unknown } | null)?.cause;
  for (let depth = 0; depth < 8 && cause !== undefined && cause !== null; depth++) {
    const code = classify(cause);
    if (code !== ExitCode.error) return code;
    cause = (cause as { cause?: unknown }).cause;
  }
  return ExitCode.error;
}

function classify(error: unknown): ExitCodeValue {
  if (AbortError.isInstance(error)) return ExitCode.interrupted;
  if (
    UsageError.isInstance(error) ||
    InvalidReferenceError.isInstance(error) ||
    InvalidPlatformError.isInstance(error) ||
    InvalidDigestError.isInstance(error)
  ) {
    return ExitCode.usage;
  }
  if (NotFoundError.isInstance(error)) return ExitCode.notFound;
  if (AuthenticationError.isInstance(error) || CredentialError.isInstance(error)) {
    return ExitCode.authentication;
  }
  if (NetworkError.isInstance(error)) return ExitCode.network;
  if (LocalIoError.isInstance(error)) return ExitCode.localIo;
  if (
    DigestMismatchError.isInstance(error) ||
    SizeMismatchError.isInstance(error) ||
    ManifestError.isInstance(error) ||
    LocalFormatError.isInstance(error)
  ) {
    return ExitCode.verification;
  }
  if (RegistryResponseError.isInstance(error)) return classifyResponse(error);
  if (StevedoreError.isInstance(error)) return ExitCode.error;
  const code = errorCode(error);
  if (typeof code === "string") {
    if (networkCodes.has(code)) return ExitCode.network;
    if (code === "ENOENT") return ExitCode.notFound;
    if (code === "ABORT_ERR") return ExitCode.interrupted;
  }
  if ((error as { name?: unknown } | null)?.name === "AbortError") return ExitCode.interrupted;
  return ExitCode.error;
}

function classifyResponse(error: RegistryResponseError): ExitCodeValue {
  for (const detail of error.errors) {
    const code = Object.hasOwn(registryCodeExits, detail.code)
      ? registryCodeExits[detail.code as RegistryErrorCode]
      : undefined;
    if (code !== undefined) return code;
  }
  if (error.status === 404) return ExitCode.notFound;
  if (error.status === 401 || error.status === 403) return ExitCode.authentication;
  return ExitCode.error;
}

/** The hint for an exit status, as the table gives it. */
export function hintFor(code: ExitCodeValue): string {
  return exitCodeTable.find((entry) => entry.code === code)?.hint ?? "";
}

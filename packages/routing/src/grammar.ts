/**
 * Internal: the grammars of `spec/PROTOCOL.md` §2 for the values that go into API paths and queries.
 * Names, tags and digests are core's grammars (`isRepositoryName`, `isTag`, `isDigestSyntax`); session ids
 * and media types here.
 */
import {
  InvalidReferenceError,
  isDigestSyntax,
  isMediaType,
  isRepositoryName,
  isTag,
  parseDigest,
  UsageError,
} from "@stevedore/core";

// distribution's upload UUID path segment (§2).
const sessionPattern = /^[a-zA-Z0-9._=-]+$/;

export { isDigestSyntax, isRepositoryName, isTag };

/** True when `value` can be an upload session id path segment (§2); `.` and `..` are path steps, not ids. */
export function isSessionId(value: unknown): value is string {
  return typeof value === "string" && sessionPattern.test(value) && value !== "." && value !== "..";
}

/** Returns `value` when it is a repository name; throws {@link InvalidReferenceError} otherwise. */
export function checkRepositoryName(value: unknown): string {
  if (!isRepositoryName(value)) {
    throw new InvalidReferenceError(
      String(value),
      "a repository name is lower-case path components ([a-z0-9] joined by '.', '_', '__' or '-') separated by '/'",
    );
  }
  return value;
}

/** Returns `value` when it is a tag; throws {@link InvalidReferenceError} otherwise. */
export function checkTag(value: unknown): string {
  if (!isTag(value)) {
    throw new InvalidReferenceError(
      String(value),
      "a tag is 1 to 128 characters of [A-Za-z0-9_.-] and does not start with '.' or '-'",
    );
  }
  return value;
}

/**
 * Returns `value` when it is a digest: the OCI grammar, and for a registered algorithm (sha256, sha512,
 * blake3) its exact lower-case hex encoding. Throws `InvalidDigestError` otherwise (core's `parseDigest`).
 */
export function checkDigest(value: unknown): string {
  return parseDigest(value as string);
}

/** Returns `value` when it is a tag or a digest (a `<reference>`, §1); throws the matching typed error. */
export function checkReference(value: unknown): string {
  // A tag cannot hold ':', a digest always does: that decides which grammar applies.
  if (typeof value === "string" && value.includes(":")) return checkDigest(value);
  return checkTag(value);
}

/** Returns `value` when it is a media type without parameters; throws {@link UsageError} otherwise. */
export function checkMediaType(value: unknown, field: string): string {
  if (typeof value !== "string" || !isMediaType(value)) {
    throw new UsageError(`${field} must be a media type such as application/vnd.example+json`);
  }
  return value;
}

/** Returns `value` when it is an upload session id; throws {@link UsageError} otherwise. */
export function checkSessionId(value: unknown): string {
  if (!isSessionId(value)) {
    throw new UsageError("an upload session id is one or more characters of [A-Za-z0-9._=-], not . or ..");
  }
  return value;
}

/** Returns `value` when it is a page size (a non-negative integer); throws {@link UsageError} otherwise. */
export function checkPageSize(value: unknown): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new UsageError("n (the page size) must be a non-negative integer");
  }
  return value;
}

/**
 * The error codes of the distribution API's error bodies (`spec/PROTOCOL.md` §9.2), plus the two that
 * registries send beyond the spec's table (`TOOMANYREQUESTS` from Docker Hub, `UNAVAILABLE`). A registry
 * may send others: `RegistryResponseError.errors` keeps every code verbatim as a string.
 */
export const registryErrorCodes = [
  "BLOB_UNKNOWN",
  "BLOB_UPLOAD_INVALID",
  "BLOB_UPLOAD_UNKNOWN",
  "DIGEST_INVALID",
  "MANIFEST_BLOB_UNKNOWN",
  "MANIFEST_INVALID",
  "MANIFEST_UNKNOWN",
  "NAME_INVALID",
  "NAME_UNKNOWN",
  "SIZE_INVALID",
  "TAG_INVALID",
  "UNAUTHORIZED",
  "DENIED",
  "UNSUPPORTED",
  "TOOMANYREQUESTS",
  "RANGE_INVALID",
  "PAGINATION_NUMBER_INVALID",
  "UNKNOWN",
  "UNAVAILABLE",
] as const;

/** One of {@link registryErrorCodes}: a misspelt code is a type error. */
export type RegistryErrorCode = (typeof registryErrorCodes)[number];

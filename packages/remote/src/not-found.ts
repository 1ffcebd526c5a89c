import { NotFoundError, RegistryResponseError } from "@stevedore/core";
import type { RemoteContext } from "./remote-context.js";

/**
 * Internal: `error` as a `NotFoundError` when it is a registry 404 (`MANIFEST_UNKNOWN`, `BLOB_UNKNOWN`,
 * `NAME_UNKNOWN`, or a HEAD without a body), with the registry's error kept as `cause`; any other error
 * unchanged. `what` names the missing thing (`manifest registry.example/team/app:v1`).
 */
export function mapNotFound(error: unknown, what: string): unknown {
  if (!RegistryResponseError.isInstance(error) || error.status !== 404) return error;
  const codes = error.errors.map((entry) => entry.code).filter((code) => /^[A-Z_]{1,40}$/.test(code));
  const suffix = codes.length > 0 ? ` (${[...new Set(codes)].join(", ")})` : "";
  return new NotFoundError(`${what} not found${suffix}`, { cause: error });
}

/** Internal: `registry/repository:tag` or `registry/repository@digest`, for messages. */
export function describeReference(context: RemoteContext, reference: string): string {
  const separator = reference.includes(":") ? "@" : ":";
  return `${context.registry}/${context.repository}${separator}${reference}`;
}

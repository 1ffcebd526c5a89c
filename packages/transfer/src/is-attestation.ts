import type { Descriptor } from "@stevedore/core";

/**
 * Internal: true for BuildKit attestation entries of an index (`spec/PROTOCOL.md` §12.1): annotation
 * `vnd.docker.reference.type: attestation-manifest`, or the `unknown/unknown` platform. The same rule as
 * core's `selectManifests`, which skips them.
 */
export function isAttestation(descriptor: Descriptor): boolean {
  if (descriptor.annotations?.["vnd.docker.reference.type"] === "attestation-manifest") return true;
  const platform = descriptor.platform;
  return platform !== undefined && platform.os === "unknown" && platform.architecture === "unknown";
}

/** Internal: the image digest an attestation entry describes (`vnd.docker.reference.digest`). */
export function attestedDigest(descriptor: Descriptor): string | undefined {
  return descriptor.annotations?.["vnd.docker.reference.digest"];
}

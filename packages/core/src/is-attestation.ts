import type { Descriptor } from "./manifest-types.js";

/**
 * True for BuildKit attestation entries of an index (`spec/PROTOCOL.md` §12.1): annotation
 * `vnd.docker.reference.type: attestation-manifest`, or the `unknown/unknown` platform. `selectManifests`
 * skips them; a copy keeps those of the images it copies.
 *
 * @example
 * const images = index.manifests.filter((entry) => !isAttestation(entry));
 */
export function isAttestation(descriptor: Descriptor): boolean {
  if (descriptor.annotations?.["vnd.docker.reference.type"] === "attestation-manifest") return true;
  const platform = descriptor.platform;
  return platform !== undefined && platform.os === "unknown" && platform.architecture === "unknown";
}

/** The image digest an attestation entry describes (`vnd.docker.reference.digest`), if it names one. */
export function attestedDigest(descriptor: Descriptor): string | undefined {
  return descriptor.annotations?.["vnd.docker.reference.digest"];
}

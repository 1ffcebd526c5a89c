import type { Descriptor, Target } from "@stevedore/core";
import { UsageError } from "@stevedore/core";
import { type PushArtifactOptions, type PushArtifactResult, pushArtifact } from "./push-artifact.js";

/** Options of {@link attach}: those of `pushArtifact`, with the artifact type required and no subject. */
export interface AttachOptions extends Omit<PushArtifactOptions, "subject" | "artifactType"> {
  artifactType: string;
}

/**
 * Attaches files to a manifest as a referrer (a signature, an SBOM): an artifact whose `subject` is
 * `subject`, pushed by digest. Registries with the referrers API index it themselves; elsewhere the target
 * adds it to the subject's referrers tag (`spec/PROTOCOL.md` §7.2), re-reading to keep concurrent
 * attaches from losing each other.
 *
 * @throws UsageError without an artifact type.
 * @example
 * const subject = await remote.resolve("v1");
 * await attach(remote, subject, { artifactType: "application/spdx+json", files: [{ path: "sbom.json" }] });
 */
export async function attach(
  target: Target,
  subject: Descriptor,
  options: AttachOptions,
): Promise<PushArtifactResult> {
  if (typeof options?.artifactType !== "string" || options.artifactType === "") {
    throw new UsageError("attach needs an artifact type (--artifact-type), so referrers can be told apart");
  }
  return pushArtifact(target, { ...options, subject });
}

import { LocalFormatError } from "@stevedore/core";
import { indexArchive } from "./archive-entries.js";

/** What kind of image archive a file is. */
export type ArchiveFormat = "docker-archive" | "oci-archive";

/**
 * Tells a `docker save` archive from an OCI archive by its content, reading tar headers only: one with
 * `manifest.json` is a docker archive (Docker ≥ 25 writes an OCI layout beside it, and the names
 * `docker load` needs are in `manifest.json`), one with `oci-layout` and `index.json` an OCI archive.
 *
 * @throws LocalFormatError when the file is not a tar, is truncated or unsafe, or is neither.
 * @example
 * ```ts
 * const target = (await archiveFormatOf(path)) === "oci-archive" ? await openOciArchive(path) : await openDockerArchive(path);
 * ```
 */
export async function archiveFormatOf(path: string): Promise<ArchiveFormat> {
  const entries = await indexArchive(path);
  if (entries.get("manifest.json") !== undefined) return "docker-archive";
  if (entries.get("oci-layout") !== undefined && entries.get("index.json") !== undefined)
    return "oci-archive";
  throw new LocalFormatError(
    `${path} is neither a docker archive (no manifest.json) nor an OCI archive (no oci-layout and index.json)`,
  );
}

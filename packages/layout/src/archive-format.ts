import { LocalFormatError } from "@stevedore/core";
import { type ArchiveEntries, archiveManifestLimit, indexArchive } from "./archive-entries.js";
import { type DockerArchiveTarget, dockerArchiveOf } from "./docker-archive/open-docker-archive.js";
import { type OciArchiveTarget, ociArchiveOf } from "./oci-archive/open-oci-archive.js";

/** What kind of image archive a file is. */
export type ArchiveFormat = "docker-archive" | "oci-archive";

/** An archive opened by {@link openArchive}, in the format it was read in. */
export type OpenedArchive =
  | { format: "docker-archive"; target: DockerArchiveTarget }
  | { format: "oci-archive"; target: OciArchiveTarget };

/** Options of {@link openArchive}: those of `openDockerArchive` and `openOciArchive`. */
export interface OpenArchiveOptions {
  signal?: AbortSignal;
  /** Largest manifest, `index.json` or `manifest.json` read from the archive, in bytes. Default 4 MiB. */
  maxManifestBytes?: number;
}

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
  return formatOf(path, await indexArchive(path), undefined);
}

/**
 * Opens an image archive as a read-only target, its tar headers indexed once, in the format its content
 * has. Without `named`, as {@link archiveFormatOf} tells (a bare `FILE.tar`). With `named` (the format a
 * user named: `docker-archive:FILE`, `oci-archive:FILE`), in that format when the file is in it (a
 * Docker ≥ 25 archive is in both), else in the other one when the file is in that: an OCI archive named
 * as a docker archive is read as the OCI archive it is (its layers as they are, its referrers), a Docker
 * < 25 archive named as an OCI archive as a docker archive. A file in neither is given to the `named`
 * format's reader, which says what it lacks.
 *
 * @throws LocalFormatError when the file is not a safe, complete archive of either format.
 * @example
 * ```ts
 * const { format, target } = await openArchive("image.tar", "docker-archive");
 * ```
 */
export async function openArchive(
  path: string,
  named: ArchiveFormat | undefined,
  options: OpenArchiveOptions = {},
): Promise<OpenedArchive> {
  const maxManifestBytes = archiveManifestLimit(options);
  const entries = await indexArchive(path);
  return formatOf(path, entries, named) === "oci-archive"
    ? { format: "oci-archive", target: await ociArchiveOf(path, entries, maxManifestBytes) }
    : { format: "docker-archive", target: await dockerArchiveOf(path, entries, maxManifestBytes) };
}

function formatOf(path: string, entries: ArchiveEntries, named: ArchiveFormat | undefined): ArchiveFormat {
  const found = {
    "docker-archive": entries.get("manifest.json") !== undefined,
    "oci-archive": entries.get("oci-layout") !== undefined && entries.get("index.json") !== undefined,
  };
  if (named !== undefined && found[named]) return named;
  if (found["docker-archive"]) return "docker-archive";
  if (found["oci-archive"]) return "oci-archive";
  if (named !== undefined) return named;
  throw new LocalFormatError(
    `${path} is neither a docker archive (no manifest.json) nor an OCI archive (no oci-layout and index.json)`,
  );
}

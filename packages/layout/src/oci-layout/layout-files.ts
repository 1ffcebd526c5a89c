/**
 * Internal: the files of an OCI image layout directory (`spec/PROTOCOL.md` §13.1) — checking or creating
 * `oci-layout`, reading `index.json`, and the path of a blob.
 */
import { readFileSync, statSync } from "node:fs";
import { lstat, readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { makeDirectory, writeFileAtomic } from "@stevedore/blob";
import {
  digestAlgorithm,
  digestEncoded,
  errorCode,
  LocalFormatError,
  manifestTooLargeError,
  parseDigest,
  StevedoreError,
} from "@stevedore/core";
import { describeOpenError } from "@stevedore/tar";
import {
  checkLayoutFile,
  emptyIndex,
  type LayoutIndex,
  layoutFileContent,
  parseLayoutIndex,
  serializeLayoutIndex,
} from "../layout-index.js";

/** `blobs/<alg>/<encoded>` under `layout`; throws `InvalidDigestError` for a malformed digest. */
export function blobPath(layout: string, digest: string): string {
  const valid = parseDigest(digest);
  // The digest grammar (§2) admits no `/` and no `..`, so this path stays inside `blobs/`.
  return join(layout, "blobs", digestAlgorithm(valid), digestEncoded(valid));
}

/**
 * Reads and validates `index.json`: a missing file is a `LocalFormatError` naming it; one larger than
 * `maxBytes` (the layout's `maxManifestBytes`: an index like any other) is refused before it is read.
 * Read with direct calls: a trip through libuv's thread pool for each of the five system calls cost more
 * than the calls (docs/decisions/0022-pull-latency.md).
 */
export async function readLayoutIndexFile(indexPath: string, maxBytes: number): Promise<LayoutIndex> {
  let bytes: Uint8Array;
  try {
    const info = statSync(indexPath);
    if (info.size > maxBytes) throw manifestTooLargeError(indexPath, maxBytes);
    bytes = readFileSync(indexPath);
    // It grew between the stat and the read.
    if (bytes.length > maxBytes) throw manifestTooLargeError(indexPath, maxBytes);
  } catch (error) {
    if (StevedoreError.isInstance(error)) throw error;
    if (errorCode(error) === "ENOENT") throw new LocalFormatError(`${indexPath} is missing`);
    throw describeOpenError(indexPath, error);
  }
  return parseLayoutIndex(bytes, indexPath);
}

/** Checks that `path` is a layout directory: `NotFoundError` when absent, `LocalFormatError` otherwise. */
export async function checkLayout(path: string): Promise<void> {
  const layoutPath = join(path, "oci-layout");
  try {
    const info = await stat(path);
    if (!info.isDirectory()) throw new LocalFormatError(`${path} is not a directory`);
  } catch (error) {
    if (LocalFormatError.isInstance(error)) throw error;
    throw describeOpenError(path, error);
  }
  let bytes: Uint8Array;
  try {
    bytes = await readFile(layoutPath);
  } catch (error) {
    if (errorCode(error) === "ENOENT") {
      throw new LocalFormatError(`${path} is not an OCI image layout: oci-layout is missing`);
    }
    throw describeOpenError(layoutPath, error);
  }
  checkLayoutFile(bytes, layoutPath);
  await checkBlobDirectories(path);
}

/**
 * Refuses a layout whose `blobs/` or `blobs/<algorithm>/` is a symbolic link, as a blob file that is one is
 * refused: reads and writes would follow it out of the layout (a layout from a tar or another user could
 * point `blobs` at any directory, and a pull would write there). Checked once per target, before any blob
 * is read or written.
 */
async function checkBlobDirectories(path: string): Promise<void> {
  const blobs = join(path, "blobs");
  const directories = [blobs];
  try {
    for (const name of await readdir(blobs)) directories.push(join(blobs, name));
  } catch (error) {
    const code = errorCode(error);
    if (code !== "ENOENT" && code !== "ENOTDIR") throw describeOpenError(blobs, error);
  }
  for (const directory of directories) {
    const info = await lstat(directory).catch(() => undefined);
    if (info?.isSymbolicLink()) {
      throw new LocalFormatError(
        `${directory} is a symbolic link; a layout's blobs must be its own directories (replace the link by a copy)`,
      );
    }
    if (directory === blobs && info !== undefined && !info.isDirectory()) {
      throw new LocalFormatError(`${directory} is not a directory`);
    }
  }
}

/**
 * Creates the directory, `blobs/sha256/`, `oci-layout` and an empty `index.json` where they are missing.
 * Resolves `true` when this call wrote `oci-layout`, i.e. the layout is new: no blob was there before it.
 */
export async function createLayout(path: string): Promise<boolean> {
  const layoutPath = join(path, "oci-layout");
  await makeDirectory(join(path, "blobs"));
  await checkBlobDirectories(path);
  // Made once here (after the check: not through a link), not by each of a pull's first blobs after a
  // failed create: most layouts hold only sha256 blobs.
  await makeDirectory(join(path, "blobs", "sha256"));
  // Create-if-absent: two writers starting together must not replace each other's files.
  const created = await writeFileAtomic(layoutPath, layoutFileContent, { exclusive: true });
  if (!created) checkLayoutFile(await readFile(layoutPath), layoutPath);
  await writeFileAtomic(join(path, "index.json"), serializeLayoutIndex(emptyIndex()), { exclusive: true });
  return created;
}

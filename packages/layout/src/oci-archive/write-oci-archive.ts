import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { throwIfAborted } from "@stevedore/blob";
import { isDigest, localIoError, StevedoreError } from "@stevedore/core";
import { type TarWriterEntry, writeTar } from "@stevedore/tar";
import { createOciLayout, type OciLayoutTarget } from "../oci-layout/create-oci-layout.js";
import { createLayout } from "../oci-layout/layout-files.js";
import { readFileStream } from "../read-file-stream.js";
import { writeArchive } from "../write-archive.js";

/** Options of {@link writeOciArchive}. */
export interface WriteOciArchiveOptions {
  signal?: AbortSignal;
  /** Where the layout is assembled before it is packed. Default: the system's temp directory. */
  temporaryDirectory?: string;
  /** Passed to the staging layout (see `createOciLayout`). Default 4 MiB. */
  maxManifestBytes?: number;
}

/**
 * Writes an OCI archive (a tar of an OCI image layout, `spec/PROTOCOL.md` §13.1) at `destination`: `fill`
 * receives an empty layout (`createOciLayout`, so pushes are verified and referrers kept), and once it
 * resolves, the layout is packed — `oci-layout`, `index.json`, then every blob, streamed from disk — into
 * a temp file beside `destination` that is renamed over it. The archive is replaced, not merged, as
 * skopeo's `oci-archive:` destination does. If `fill` throws, the signal aborts or the disk fails, the
 * old file (or none) stays and the staging layout is removed: nothing is ever half-written.
 *
 * @returns what `fill` returned.
 * @example
 * ```ts
 * await writeOciArchive("app.tar", async (layout) => {
 *   const result = await copy(remote, "v1", layout, "v1");
 *   return result.digest;
 * });
 * ```
 */
export async function writeOciArchive<T>(
  destination: string,
  fill: (layout: OciLayoutTarget) => Promise<T>,
  options: WriteOciArchiveOptions = {},
): Promise<T> {
  const { signal } = options;
  throwIfAborted(signal);
  const parent = options.temporaryDirectory ?? tmpdir();
  let staging: string;
  try {
    staging = await mkdtemp(join(parent, "stevedore-oci-archive-"));
  } catch (error) {
    throw localIoError("create a directory in", parent, error);
  }
  try {
    const layout = createOciLayout(staging, {
      create: true,
      ...(options.maxManifestBytes === undefined ? {} : { maxManifestBytes: options.maxManifestBytes }),
    });
    const result = await fill(layout);
    throwIfAborted(signal);
    // A fill that wrote nothing leaves no layout files yet: the archive is then an empty layout.
    await createLayout(staging);
    await writeArchive(destination, writeTar(await layoutEntries(staging)), signal);
    return result;
  } finally {
    await rm(staging, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** The files of a layout as tar entries in a fixed order, contents streamed when the tar reaches them. */
async function layoutEntries(directory: string): Promise<TarWriterEntry[]> {
  try {
    const entries: TarWriterEntry[] = [];
    const add = async (name: string): Promise<void> => {
      const file = join(directory, name);
      const { size } = await stat(file);
      entries.push({ name, size, content: readFileStream(file, 0, size) });
    };
    await add("oci-layout");
    await add("index.json");
    entries.push({ name: "blobs", type: "directory", size: 0 });
    const algorithms = (await readdir(join(directory, "blobs"))).sort();
    for (const algorithm of algorithms) {
      const names = (await readdir(join(directory, "blobs", algorithm)))
        .filter((name) => isDigest(`${algorithm}:${name}`))
        .sort();
      if (names.length === 0) continue;
      entries.push({ name: `blobs/${algorithm}`, type: "directory", size: 0 });
      for (const name of names) await add(`blobs/${algorithm}/${name}`);
    }
    return entries;
  } catch (error) {
    if (StevedoreError.isInstance(error)) throw error;
    throw localIoError("read", directory, error);
  }
}

import type { ImageManifest, ReadableTarget } from "@stevedore/core";
import { LocalFormatError } from "@stevedore/core";
import {
  decompress,
  normalizeArchivePath,
  parseWhiteout,
  readTar,
  type TarStreamEntry,
  type TarWriterEntry,
} from "@stevedore/tar";
import { checkHasFileSystem } from "./read-documents.js";

/** A layer entry as the merged file system holds it: its normalised path, and the layer it came from. */
export interface MergedEntry {
  path: string;
  entry: TarStreamEntry;
  /** Index of the layer in the manifest, 0 = base. */
  layer: number;
}

/** Paths the layers above have decided: written (a directory or not), deleted, or made opaque. */
interface LayerState {
  seen: Map<string, "directory" | "other">;
  deleted: Set<string>;
  opaque: Set<string>;
}

/**
 * The entries of an image's merged file system, top layer first, each layer streamed once and never held
 * in memory: only the set of paths seen so far is. A path an upper layer wrote hides the same path below;
 * a whiteout `.wh.NAME` hides `NAME` and what is under it in the layers below; `.wh..wh..opq` hides what
 * the layers below put in its directory; a path under something an upper layer made a non-directory is
 * hidden too. Whiteouts themselves are not returned. Each entry's content must be read (or not) before
 * the next is asked for. A layer entry with an unsafe path (absolute after `/` is dropped, or with `..`)
 * fails with `LocalFormatError`. An artifact (no image config: a Helm chart, an SBOM) has no file system
 * and is refused with `UsageError`, naming it as `where`, before any layer is read.
 */
export async function* mergedEntries(
  target: ReadableTarget,
  manifest: ImageManifest,
  signal?: AbortSignal,
  where = "the image",
): AsyncGenerator<MergedEntry, void, undefined> {
  checkHasFileSystem(manifest, where);
  const state: LayerState = { seen: new Map(), deleted: new Set(), opaque: new Set() };
  for (let layer = manifest.layers.length - 1; layer >= 0; layer -= 1) {
    const descriptor = manifest.layers[layer]!;
    const where = `layer ${descriptor.digest}`;
    const stream = await target.fetch(descriptor, signal === undefined ? {} : { signal });
    const deleted: string[] = [];
    const opaque: string[] = [];
    for await (const entry of readTar(decompress(stream, { where }), { where })) {
      const path = layerPath(entry.name, where);
      if (path === undefined) continue;
      const whiteout = parseWhiteout(path);
      if (whiteout !== undefined) {
        // Whiteouts act on the layers below only, so they are applied when this layer is done.
        if (whiteout.kind === "delete") deleted.push(whiteout.path);
        else opaque.push(whiteout.directory);
        continue;
      }
      if (entry.type === "other" || hidden(state, path)) continue;
      state.seen.set(path, entry.type === "directory" ? "directory" : "other");
      yield { path, entry, layer };
    }
    for (const path of deleted) state.deleted.add(path);
    for (const directory of opaque) state.opaque.add(directory);
  }
}

/** Whether a lower layer's `path` is hidden by what the layers above decided. */
function hidden(state: LayerState, path: string): boolean {
  if (state.seen.has(path) || state.deleted.has(path)) return true;
  if (state.opaque.has("")) return true;
  for (let slash = path.lastIndexOf("/"); slash > 0; slash = path.lastIndexOf("/", slash - 1)) {
    const ancestor = path.slice(0, slash);
    if (state.deleted.has(ancestor) || state.opaque.has(ancestor) || state.seen.get(ancestor) === "other")
      return true;
  }
  return false;
}

/** The normalised path of a layer entry; `undefined` for the root itself (`./`). */
export function layerPath(name: string, where: string): string | undefined {
  const trimmed = name.replace(/^\/+/, "");
  if (trimmed === "" || trimmed === "." || trimmed === "./") return undefined;
  const path = normalizeArchivePath(trimmed);
  if (path === undefined) {
    throw new LocalFormatError(`${where}: entry ${JSON.stringify(name.slice(0, 200))} has an unsafe path`);
  }
  return path;
}

/** A merged entry as a tar writer entry (content streamed through). */
export function writerEntry({ path, entry }: MergedEntry): TarWriterEntry {
  return {
    name: path,
    type: entry.type as Exclude<typeof entry.type, "other">,
    size: entry.size,
    content: entry.content,
    mode: entry.mode & 0o7777,
    mtime: Math.max(0, entry.mtime),
    uid: entry.uid,
    gid: entry.gid,
    uname: entry.uname,
    gname: entry.gname,
    devMajor: entry.devMajor,
    devMinor: entry.devMinor,
    ...(entry.type === "hardlink"
      ? { linkName: layerPath(entry.linkName ?? "", "hard link") ?? "" }
      : entry.type === "symlink"
        ? { linkName: entry.linkName ?? "" }
        : {}),
  };
}

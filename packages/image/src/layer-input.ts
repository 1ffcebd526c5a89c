import { constants } from "node:fs";
import { open, stat } from "node:fs/promises";
import { fileSource } from "@stevedore/blob";
import type { ByteStream } from "@stevedore/core";
import { UsageError } from "@stevedore/core";
import { describeOpenError, detectCompression, packDirectory } from "@stevedore/tar";

/**
 * A layer to add: a path on disk, or a tar stream.
 *
 * - `{ path }`: a directory is packed (its content at the layer's root, or under `destination`); a file is
 *   placed at `destination` (into it when it ends with `/`, at the root by default) — except a file that
 *   already is a layer (a tar, or a gzip/zstd file named `.tar.gz`, `.tgz`, `.tar.zst`) given without
 *   `destination`, which is used as the layer itself.
 * - `{ tar }`: a function that opens a tar stream, compressed or not.
 */
export type LayerInput =
  | { path: string; destination?: string }
  | {
      /** Opens the layer's tar stream, compressed or not. */
      tar: () => ByteStream;
      name?: string;
    };

const readChunk = 128 * 1024;

/** How packed directories and files are stamped (see `packDirectory` of `@stevedore/tar`). */
export interface PackOptions {
  mtime?: number;
  owner?: { uid: number; gid: number } | "keep";
  signal?: AbortSignal;
}

/** Opens the tar stream of a layer input, says what it is for messages, and whether stevedore packed it. */
export async function openLayerInput(
  input: LayerInput,
  options: PackOptions,
): Promise<{ stream: ByteStream; where: string; packed: boolean }> {
  if ("tar" in input) return { stream: input.tar(), where: input.name ?? "layer stream", packed: false };
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(input.path);
  } catch (error) {
    throw describeOpenError(input.path, error);
  }
  const pack = {
    ...(input.destination === undefined ? {} : { destination: input.destination }),
    ...(options.mtime === undefined ? {} : { mtime: options.mtime }),
    ...(options.owner === undefined ? {} : { owner: options.owner }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  };
  if (info.isFile() && input.destination === undefined && (await isLayerFile(input.path))) {
    // Small reads: each chunk dies once compressed, and fewer bytes wait for the collector (see stageLayer).
    return {
      stream: fileSource(input.path, { highWaterMark: readChunk })(0),
      where: input.path,
      packed: false,
    };
  }
  return { stream: packDirectory(input.path, pack), where: input.path, packed: true };
}

/**
 * Checks layer inputs before any work: a non-empty list, paths that exist (`NotFoundError` otherwise), a
 * `tar` that is a function. A caller that copies a base first learns of a typo before the copy.
 */
export async function checkLayerInputs(layers: readonly LayerInput[]): Promise<void> {
  if (!Array.isArray(layers) || layers.length === 0) throw new UsageError("append needs at least one layer");
  for (const input of layers) {
    if (typeof input !== "object" || input === null) throw new UsageError("a layer is { path } or { tar }");
    if ("tar" in input) {
      if (typeof input.tar !== "function")
        throw new UsageError("a layer's tar must be a function that opens a stream");
      continue;
    }
    if (typeof input.path !== "string" || input.path === "") throw new UsageError("a layer needs a path");
    try {
      await stat(input.path);
    } catch (error) {
      throw describeOpenError(input.path, error);
    }
  }
}

/** A tar (ustar magic at offset 257), or a compressed file whose name says it holds a tar. */
async function isLayerFile(path: string): Promise<boolean> {
  const handle = await open(path, constants.O_RDONLY);
  try {
    const head = new Uint8Array(512);
    const { bytesRead } = await handle.read(head, 0, 512, 0);
    if (detectCompression(head.subarray(0, bytesRead)) !== "none")
      return /\.(tar\.gz|tgz|tar\.zst|tar\.zstd)$/i.test(path);
    return bytesRead === 512 && new TextDecoder().decode(head.subarray(257, 262)) === "ustar";
  } finally {
    await handle.close();
  }
}

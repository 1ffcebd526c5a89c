import { constants, type Stats } from "node:fs";
import { lstat, open, readdir, readlink } from "node:fs/promises";
import { basename, join } from "node:path";
import { AbortError, UsageError } from "@stevedore/core";
import { normalizeArchivePath } from "./archive-path.js";
import { describeOpenError } from "./random-access-file.js";
import { type TarWriterEntry, writeTar } from "./write-tar.js";

/** Options of {@link packDirectory}. */
export interface PackDirectoryOptions {
  /**
   * Where the content goes in the archive, as a relative or absolute path (`"app"`, `"/usr/local/bin"`):
   * a directory's content goes under it, a file goes to it, or into it when it ends with `/`. The root by
   * default. Its parent directories are written too (mode 0755).
   */
  destination?: string;
  /** The modification time of every entry, in seconds since the epoch: 0 (1970-01-01) by default. */
  mtime?: number;
  /** The owner ids of every entry: 0:0 by default; `"keep"` writes the ids the files have on disk. */
  owner?: { uid: number; gid: number } | "keep";
  signal?: AbortSignal;
}

const readChunk = 256 * 1024;

/**
 * Packs a directory (or one file) into a tar stream that depends only on the content, never on when or by
 * whom the files were written: entries in byte order of their names, directories before what they hold,
 * owner 0:0 and no owner names, every time set to `mtime`, permission bits as on disk. Symbolic links are
 * stored as links; files linked more than once are stored once and then as hard links; FIFOs and devices
 * as such; sockets are left out. Files are read as the stream is consumed, one at a time, so memory stays
 * flat. A file that changes size while it is packed fails the stream with `SizeMismatchError`; a missing
 * path with `NotFoundError`.
 *
 * @example
 * ```ts
 * // The same bytes on every machine and every run:
 * await pipeline(compress(packDirectory("./dist", { destination: "/app" }), "gzip"), createWriteStream("app.tar.gz"));
 * ```
 */
export function packDirectory(
  path: string,
  options: PackDirectoryOptions = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  return writeTar(packDirectoryEntries(path, options));
}

/** The entries {@link packDirectory} writes, for a caller that adds its own before writing. */
export async function* packDirectoryEntries(
  path: string,
  options: PackDirectoryOptions = {},
): AsyncGenerator<TarWriterEntry, void, undefined> {
  const mtime = options.mtime ?? 0;
  const owner = options.owner ?? { uid: 0, gid: 0 };
  const destinationText = options.destination ?? "";
  const trimmed = destinationText.replace(/^\/+/, "");
  const destination = trimmed === "" ? "" : normalizeArchivePath(trimmed);
  if (destination === undefined) {
    throw new UsageError(
      `destination ${JSON.stringify(destinationText)} is not a safe path inside the layer`,
    );
  }
  const stats = await lstatOrThrow(path);
  const linked = new Map<string, string>();
  const entry = async (file: string, name: string, info: Stats): Promise<TarWriterEntry | undefined> => {
    const common = {
      name,
      mode: info.mode & 0o7777,
      mtime,
      ...(owner === "keep" ? { uid: info.uid, gid: info.gid } : owner),
    };
    if (info.isDirectory()) return { ...common, type: "directory", size: 0 };
    if (info.isSymbolicLink()) return { ...common, type: "symlink", size: 0, linkName: await readlink(file) };
    if (info.isFile()) {
      if (info.nlink > 1) {
        const key = `${info.dev}:${info.ino}`;
        const first = linked.get(key);
        if (first !== undefined) return { ...common, type: "hardlink", size: 0, linkName: first };
        linked.set(key, name);
      }
      return { ...common, type: "file", size: info.size, content: readFile(file, options.signal) };
    }
    if (info.isFIFO()) return { ...common, type: "fifo", size: 0 };
    if (info.isCharacterDevice() || info.isBlockDevice()) {
      // Linux's dev_t layout (glibc's major()/minor()).
      const rdev = info.rdev;
      const devMajor = ((rdev >> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff);
      const devMinor = (rdev & 0xff) | ((rdev >> 12) & ~0xff & 0xfffff);
      return {
        ...common,
        type: info.isCharacterDevice() ? "character-device" : "block-device",
        size: 0,
        devMajor,
        devMinor,
      };
    }
    return undefined; // a socket: nothing a layer can hold
  };

  const directory = stats.isDirectory();
  const target =
    directory || destinationText === "" || destinationText.endsWith("/")
      ? joinName(destination, directory ? "" : basename(path))
      : destination;
  const parents = target.split("/").slice(0, directory ? undefined : -1);
  for (let depth = 1; depth <= parents.length; depth += 1) {
    const name = parents.slice(0, depth).join("/");
    if (name === "") continue;
    if (directory && depth === parents.length) {
      yield { ...(await entry(path, name, stats))!, name };
    } else {
      yield { name, type: "directory", size: 0, mode: 0o755, mtime, ...(owner === "keep" ? {} : owner) };
    }
  }
  if (!directory) {
    const single = await entry(path, target, stats);
    if (single !== undefined) yield single;
    return;
  }
  async function* walk(dir: string, prefix: string): AsyncGenerator<TarWriterEntry, void, undefined> {
    if (options.signal?.aborted) throw new AbortError(undefined, { cause: options.signal.reason });
    const names = (await readdir(dir)).sort(compareBytes);
    for (const child of names) {
      const file = join(dir, child);
      const info = await lstatOrThrow(file);
      const name = joinName(prefix, child);
      const made = await entry(file, name, info);
      if (made === undefined) continue;
      yield made;
      if (info.isDirectory()) yield* walk(file, name);
    }
  }
  yield* walk(path, target);
}

/**
 * Reads `SOURCE_DATE_EPOCH` (reproducible-builds.org): a whole number of seconds, or `undefined` when the
 * text is absent or empty. Anything else throws `UsageError`.
 */
export function parseSourceDateEpoch(text: string | undefined): number | undefined {
  if (text === undefined || text === "") return undefined;
  if (!/^[0-9]{1,12}$/.test(text)) {
    throw new UsageError(
      `SOURCE_DATE_EPOCH must be a whole number of seconds since 1970, not ${JSON.stringify(text.slice(0, 40))}`,
    );
  }
  return Number(text);
}

function joinName(prefix: string, name: string): string {
  if (prefix === "") return name;
  return name === "" ? prefix : `${prefix}/${name}`;
}

function compareBytes(left: string, right: string): number {
  return Buffer.compare(Buffer.from(left), Buffer.from(right));
}

async function lstatOrThrow(path: string): Promise<Stats> {
  try {
    return await lstat(path);
  } catch (error) {
    throw describeOpenError(path, error);
  }
}

async function* readFile(
  path: string,
  signal: AbortSignal | undefined,
): AsyncGenerator<Uint8Array, void, undefined> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    throw describeOpenError(path, error);
  }
  try {
    while (true) {
      if (signal?.aborted) throw new AbortError(undefined, { cause: signal.reason });
      const buffer = new Uint8Array(readChunk);
      const { bytesRead } = await handle.read(buffer, 0, readChunk, null);
      if (bytesRead === 0) return;
      yield bytesRead === readChunk ? buffer : buffer.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}

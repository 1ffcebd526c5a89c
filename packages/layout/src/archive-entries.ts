import { throwIfAborted } from "@stevedore/blob";
import { defaultManifestMaxBytes, isDigest, LocalFormatError, UsageError } from "@stevedore/core";
import type { TarEntry } from "@stevedore/tar";
import { indexTar, normalizeArchivePath, openRandomAccessFile, resolveArchiveLink } from "@stevedore/tar";

/**
 * The regular files of an archive by safe name, with links resolved inside the archive. Every entry it
 * returns carries its normalised name.
 */
export interface ArchiveEntries {
  /** The file at `name` (following links), or `undefined` when the archive has none. */
  get(name: string): TarEntry | undefined;
  /**
   * The file a document (`manifest.json`, `index.json`) names: throws `LocalFormatError` naming `referrer`
   * when the path is unsafe, escapes through a link, or is missing.
   */
  require(name: string, referrer: string): TarEntry;
  /** Every regular file, by normalised name. */
  files(): IterableIterator<[string, TarEntry]>;
}

const maxLinkDepth = 16;

/**
 * Checks every entry name of an archive and indexes its regular files. Any name that is absolute or holds a
 * `..` component refuses the whole archive: nothing legitimate writes such names and they are how
 * path-traversal attacks start. Symbolic and hard links are never created on disk; a document that names a
 * link reads the file it points to inside the archive (Docker 1.12–24 stores a repeated layer as
 * `<id>/layer.tar -> ../<other>/layer.tar`), and a link that points outside the archive is refused.
 */
export function createArchiveEntries(entries: readonly TarEntry[], where: string): ArchiveEntries {
  const files = new Map<string, TarEntry>();
  const links = new Map<string, TarEntry>();
  for (const entry of entries) {
    const name = normalizeArchivePath(entry.name);
    if (name === undefined) {
      throw new LocalFormatError(`${where}: entry ${JSON.stringify(clip(entry.name))} has an unsafe path`);
    }
    // A later entry of the same name replaces an earlier one, as extraction would.
    files.delete(name);
    links.delete(name);
    if (entry.type === "file") files.set(name, { ...entry, name });
    else if (entry.type === "symlink" || entry.type === "hardlink") links.set(name, { ...entry, name });
  }

  const follow = (name: string, referrer: string): TarEntry | undefined => {
    let current = name;
    for (let depth = 0; depth <= maxLinkDepth; depth += 1) {
      const file = files.get(current);
      if (file !== undefined) return file;
      const link = links.get(current);
      if (link === undefined) return undefined;
      const target =
        link.type === "hardlink"
          ? normalizeArchivePath(link.linkName ?? "")
          : resolveArchiveLink(current, link.linkName ?? "");
      if (target === undefined) {
        throw new LocalFormatError(
          `${where}: ${referrer} names ${current}, a link that points outside the archive`,
        );
      }
      current = target;
    }
    throw new LocalFormatError(`${where}: ${referrer} names ${name}, a link chain that is too long or loops`);
  };

  return {
    get: (name) => {
      const normalized = normalizeArchivePath(name);
      return normalized === undefined ? undefined : follow(normalized, "a lookup");
    },
    require: (name, referrer) => {
      const normalized = typeof name === "string" ? normalizeArchivePath(name) : undefined;
      if (normalized === undefined) {
        throw new LocalFormatError(
          `${where}: ${referrer} names an unsafe path ${JSON.stringify(clip(String(name)))}`,
        );
      }
      const file = follow(normalized, referrer);
      if (file === undefined)
        throw new LocalFormatError(`${where}: ${referrer} names ${normalized}, which is missing`);
      return file;
    },
    files: () => files.entries(),
  };
}

/**
 * The largest manifest an archive reader reads (`maxManifestBytes`, default core's
 * `defaultManifestMaxBytes`, as a remote's), checked before any I/O, as is the signal.
 */
export function archiveManifestLimit(options: { signal?: AbortSignal; maxManifestBytes?: number }): number {
  throwIfAborted(options.signal);
  const maxManifestBytes = options.maxManifestBytes ?? defaultManifestMaxBytes;
  if (!Number.isSafeInteger(maxManifestBytes) || maxManifestBytes < 1) {
    throw new UsageError(`maxManifestBytes must be a positive integer, got ${String(maxManifestBytes)}`);
  }
  return maxManifestBytes;
}

/** Indexes the tar at `path` (headers only); a file that is not a safe, readable tar is a `LocalFormatError`. */
export async function indexArchive(path: string): Promise<ArchiveEntries> {
  const file = await openRandomAccessFile(path);
  try {
    return createArchiveEntries(await indexTar(file, { where: path }), path);
  } finally {
    await file.close();
  }
}

/** The digest a file's name gives it (`blobs/sha256/<hex>`), if any. */
export function digestFromName(name: string): string | undefined {
  const parts = name.split("/");
  if (parts.length !== 3 || parts[0] !== "blobs") return undefined;
  const digest = `${parts[1]}:${parts[2]}`;
  return isDigest(digest) ? digest : undefined;
}

function clip(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

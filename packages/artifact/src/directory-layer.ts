import { createWriteStream } from "node:fs";
import { link, lstat, mkdir, mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import type { ByteStream, Descriptor } from "@stevedore/core";
import {
  Annotation,
  createHasher,
  DigestMismatchError,
  localIoError,
  ManifestError,
  MediaType,
} from "@stevedore/core";
import {
  compress,
  decompress,
  normalizeArchivePath,
  packDirectory,
  readTar,
  resolveArchiveLink,
} from "@stevedore/tar";
import { checkTitle } from "./check-title.js";

/** A directory packed into a temporary file, ready to push as a layer. */
export interface PackedDirectory {
  descriptor: Descriptor;
  /** The tar+gzip file. */
  path: string;
  /** Removes the temporary file. */
  remove(): Promise<void>;
}

/**
 * Packs a directory the way oras does, so oras and stevedore pull each other's: a deterministic tar (names
 * under `title/`, sorted, owner 0:0, time 0) gzipped, annotated with the title, the digest of the
 * uncompressed tar (`io.deis.oras.content.digest`) and `io.deis.oras.content.unpack: "true"`.
 */
export async function packDirectoryLayer(
  directory: string,
  title: string,
  mediaType: string = MediaType.OciLayerGzip,
  signal?: AbortSignal,
): Promise<PackedDirectory> {
  checkTitle(title, `the directory ${directory}`);
  const folder = await mkdtemp(join(tmpdir(), "stevedore-artifact-")).catch((error: unknown) => {
    throw localIoError("create", join(tmpdir(), "stevedore-artifact-…"), error);
  });
  const path = join(folder, "layer.tar.gz");
  const remove = () => rm(folder, { recursive: true, force: true });
  try {
    const tarHasher = createHasher("sha256");
    const gzipHasher = createHasher("sha256");
    let size = 0;
    async function* hashTar(source: ByteStream): AsyncGenerator<Uint8Array> {
      for await (const chunk of source) {
        tarHasher.update(chunk);
        yield chunk;
      }
    }
    async function* hashGzip(source: ByteStream): AsyncGenerator<Uint8Array> {
      for await (const chunk of source) {
        gzipHasher.update(chunk);
        size += chunk.length;
        yield chunk;
      }
    }
    const tar = packDirectory(directory, { destination: title, ...(signal === undefined ? {} : { signal }) });
    await pipeline(hashGzip(compress(hashTar(tar), "gzip")), createWriteStream(path)).catch(
      (error: unknown) => {
        throw localIoError("write", path, error);
      },
    );
    const descriptor: Descriptor = {
      mediaType,
      digest: gzipHasher.digest(),
      size,
      annotations: {
        [Annotation.Title]: title,
        [Annotation.ContentDigest]: tarHasher.digest(),
        [Annotation.Unpack]: "true",
      },
    };
    return { descriptor, path, remove };
  } catch (error) {
    await remove();
    throw error;
  }
}

/**
 * Unpacks a directory layer (tar, gzip or zstd) into `into`, refusing anything that could land outside
 * `into/title`: entries outside `title/`, `..` or absolute names, over-long names, symbolic links whose
 * target leaves `title/`, hard links to anything but a file unpacked before, devices and FIFOs, and any
 * write through a symbolic link (so a link cannot redirect a later entry). The uncompressed tar must match
 * `io.deis.oras.content.digest` when the layer names one.
 *
 * @throws ManifestError naming the entry and why; DigestMismatchError; LocalIoError.
 */
export async function unpackDirectoryLayer(
  open: () => ByteStream,
  into: string,
  title: string,
  expectedTarDigest: string | undefined,
  where: string,
): Promise<void> {
  const prefix = checkTitle(title, where).join("/");
  if (expectedTarDigest !== undefined) {
    // A pass of its own: the tar reader stops at the end-of-archive blocks, the digest covers every byte.
    const hasher = createHasher("sha256");
    for await (const chunk of decompress(open())) hasher.update(chunk);
    const actual = hasher.digest();
    if (actual !== expectedTarDigest) {
      throw new DigestMismatchError(expectedTarDigest, actual, `${where} (the directory's tar)`);
    }
  }
  const refuse = (name: string, why: string): never => {
    const shown = JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}…` : name);
    throw new ManifestError(`${where}: the tar entry ${shown} ${why}; nothing was written`);
  };
  const inside = (name: string): boolean => name === prefix || name.startsWith(`${prefix}/`);
  await mkdir(into, { recursive: true });
  for await (const entry of readTar(decompress(open()), { where })) {
    const name = normalizeArchivePath(entry.name);
    if (name === undefined) refuse(entry.name, "would write outside the directory");
    checkTitle(name as string, where);
    if (!inside(name as string)) refuse(entry.name, `is not inside ${prefix}/`);
    const path = join(into, name as string);
    await checkNoLinks(into, (name as string).split("/").slice(0, -1), (parent) =>
      refuse(entry.name, `would be written through the symbolic link ${parent}`),
    );
    const existing = await lstat(path).catch(() => undefined);
    if (existing !== undefined && !(existing.isDirectory() && entry.type === "directory")) {
      if (existing.isDirectory()) refuse(entry.name, "replaces a directory");
      await rm(path, { force: true });
    }
    await mkdir(join(path, ".."), { recursive: true });
    switch (entry.type) {
      case "directory":
        // Owner write bit kept, so the entries after it can be written.
        if (existing === undefined) await mkdir(path, { mode: (entry.mode & 0o777) | 0o700 });
        break;
      case "file":
        await pipeline(
          entry.content,
          createWriteStream(path, { mode: entry.mode & 0o777, flags: "wx" }),
        ).catch((error: unknown) => {
          throw localIoError("write", path, error);
        });
        break;
      case "symlink": {
        const target = resolveArchiveLink(name as string, entry.linkName ?? "");
        if (target === undefined || !inside(target)) {
          refuse(
            entry.name,
            `is a symbolic link to ${JSON.stringify(entry.linkName ?? "")}, outside ${prefix}/`,
          );
        }
        await symlink(entry.linkName as string, path);
        break;
      }
      case "hardlink": {
        const target = normalizeArchivePath(entry.linkName ?? "");
        if (target === undefined || !inside(target)) {
          refuse(entry.name, `is a hard link to ${JSON.stringify(entry.linkName ?? "")}, outside ${prefix}/`);
        }
        await checkNoLinks(into, (target as string).split("/").slice(0, -1), (parent) =>
          refuse(entry.name, `is a hard link through the symbolic link ${parent}`),
        );
        const info = await lstat(join(into, target as string)).catch(() => undefined);
        if (info === undefined || !info.isFile())
          refuse(entry.name, "is a hard link to no file unpacked before it");
        await link(join(into, target as string), path);
        break;
      }
      default:
        refuse(entry.name, `is a ${entry.type}, which an artifact directory may not hold`);
    }
  }
}

/** Calls `refuse` when a parent (relative to `root`) is a symbolic link or not a directory. */
async function checkNoLinks(
  root: string,
  parents: readonly string[],
  refuse: (parent: string) => never,
): Promise<void> {
  let path = root;
  for (const [index, part] of parents.entries()) {
    path = join(path, part);
    const info = await lstat(path).catch(() => undefined);
    if (info === undefined) return;
    if (info.isSymbolicLink() || !info.isDirectory()) refuse(parents.slice(0, index + 1).join("/"));
  }
}

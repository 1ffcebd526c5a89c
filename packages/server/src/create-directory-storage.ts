import { createReadStream } from "node:fs";
import { appendFile, mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import {
  bufferSource,
  makeDirectory,
  sweepTemporaryFiles,
  temporaryPath,
  writeFileAtomic,
  writeVerifiedFile,
} from "@stevedore/blob";
import { errorCode, localIoError } from "@stevedore/core";
import type { RegistryStorage, UploadSink } from "./registry-storage.js";

/**
 * Storage in a directory that survives a restart of the server:
 *
 * ```
 * <directory>/blobs/<algorithm>/<encoded>                    content, shared by every repository
 * <directory>/uploads/.<session id>.<host>-<pid>-<random>.tmp  bytes of an upload in progress
 * <directory>/repositories/<name>/_blobs/<algorithm>/<encoded>      empty link file
 * <directory>/repositories/<name>/_manifests/<algorithm>/<encoded>  the manifest's media type
 * <directory>/repositories/<name>/_tags/<tag>                       the tagged digest
 * ```
 *
 * Blobs (manifest bytes included) are written to a temp file beside their path and renamed into place,
 * so two concurrent uploads of the same blob both end with one intact file. Small files are replaced the
 * same way. Repository components never start with `_` (`spec/PROTOCOL.md` §2), so the `_blobs`,
 * `_manifests` and `_tags` folders cannot clash with a nested repository. Upload sessions live in the
 * server's memory: after a restart their bytes are orphaned and clients restart the upload (§4.1).
 * `sweep()` (the server calls it before listening) removes what a killed server left: the files of its
 * upload sessions and its temp files. The writer's host and process id are in each such name, so files
 * of another live server on the same directory are kept.
 *
 * @example
 * ```ts
 * const server = createRegistryServer({ storage: { directory: "/var/lib/stevedore" } });
 * ```
 */
export function createDirectoryStorage(directory: string): RegistryStorage {
  const blobPath = (digest: string): string => join(directory, "blobs", ...splitDigest(digest));
  const repositoryPath = (name: string): string => join(directory, "repositories", ...name.split("/"));
  const linkPath = (name: string, kind: "_blobs" | "_manifests", digest: string): string =>
    join(repositoryPath(name), kind, ...splitDigest(digest));
  const tagPath = (name: string, tag: string): string => join(repositoryPath(name), "_tags", tag);

  return {
    async sweep() {
      // Session files of a dead server, and anything in uploads/ named before session files carried a pid.
      const uploads = join(directory, "uploads");
      await sweepTemporaryFiles(uploads);
      for (const name of await list(uploads)) {
        if (!name.startsWith(".")) await rm(join(uploads, name), { force: true }).catch(() => undefined);
      }
      for (const algorithm of await list(join(directory, "blobs"))) {
        await sweepTemporaryFiles(join(directory, "blobs", algorithm));
      }
      const repositories = join(directory, "repositories");
      const folders = await fileStep(
        "list",
        repositories,
        (path) => readdir(path, { recursive: true, withFileTypes: true }),
        undefined,
      );
      for (const entry of folders ?? []) {
        if (entry.isDirectory()) await sweepTemporaryFiles(join(entry.parentPath, entry.name));
      }
    },
    async blobSize(digest) {
      const info = await fileStep("stat", blobPath(digest), (path) => stat(path), undefined);
      return info?.size;
    },
    readBlob(digest, start, end) {
      return createReadStream(blobPath(digest), { start, end });
    },
    async writeBlob(digest, bytes) {
      await writeVerifiedFile(blobPath(digest), bufferSource(bytes)(0), { digest, size: bytes.length });
    },
    async openUpload(id): Promise<UploadSink> {
      const path = temporaryPath(join(directory, "uploads", id));
      await fileStep("create", dirname(path), (folder) => mkdir(folder, { recursive: true }), undefined);
      await fileStep("create", path, (file) => writeFile(file, new Uint8Array(), { flag: "wx" }), undefined);
      let size = 0;
      return {
        get size() {
          return size;
        },
        async append(chunk) {
          await fileStep("write", path, (file) => appendFile(file, chunk), undefined);
          size += chunk.length;
        },
        read() {
          return createReadStream(path);
        },
        async commit(digest) {
          const target = blobPath(digest);
          await fileStep(
            "create",
            dirname(target),
            (folder) => mkdir(folder, { recursive: true }),
            undefined,
          );
          const handle = await fileStep("open", path, (file) => open(file, "r+"), undefined);
          if (handle !== undefined) await handle.sync().finally(() => handle.close());
          // rename() replaces atomically: a concurrent upload of the same bytes ends with one intact file.
          await fileStep("rename", target, () => rename(path, target), undefined);
        },
        async discard() {
          await rm(path, { force: true });
        },
      };
    },
    async hasBlobLink(name, digest) {
      return (await exists(linkPath(name, "_blobs", digest))) && (await exists(blobPath(digest)));
    },
    async linkBlob(name, digest) {
      await writeSmallFile(linkPath(name, "_blobs", digest), "");
    },
    async unlinkBlob(name, digest) {
      return removeFile(linkPath(name, "_blobs", digest));
    },
    async getManifest(name, digest) {
      const mediaType = await readText(linkPath(name, "_manifests", digest));
      if (mediaType === undefined) return undefined;
      const bytes = await fileStep("read", blobPath(digest), (path) => readFile(path), undefined);
      return bytes === undefined ? undefined : { mediaType, bytes };
    },
    async putManifest(name, digest, manifest) {
      if (!(await exists(blobPath(digest)))) {
        await writeVerifiedFile(blobPath(digest), bufferSource(manifest.bytes)(0), {
          digest,
          size: manifest.bytes.length,
        });
      }
      await writeSmallFile(linkPath(name, "_manifests", digest), manifest.mediaType);
    },
    async deleteManifest(name, digest) {
      return removeFile(linkPath(name, "_manifests", digest));
    },
    async listManifests(name) {
      const root = join(repositoryPath(name), "_manifests");
      const digests: string[] = [];
      for (const algorithm of await list(root)) {
        for (const encoded of await list(join(root, algorithm))) {
          if (!encoded.startsWith(".")) digests.push(`${algorithm}:${encoded}`);
        }
      }
      return digests;
    },
    async getTag(name, tag) {
      return readText(tagPath(name, tag));
    },
    async setTag(name, tag, digest) {
      await writeSmallFile(tagPath(name, tag), digest);
    },
    async deleteTag(name, tag) {
      return removeFile(tagPath(name, tag));
    },
    async listTags(name) {
      if (!(await exists(repositoryPath(name)))) return undefined;
      return (await list(join(repositoryPath(name), "_tags"))).filter((tag) => !tag.startsWith("."));
    },
    async listRepositories() {
      const found: string[] = [];
      const walk = async (path: string, parts: string[]): Promise<void> => {
        const entries = await list(path);
        if (parts.length > 0 && (await holdsContent(path, entries))) found.push(parts.join("/"));
        for (const entry of entries) {
          if (!entry.startsWith("_") && !entry.startsWith("."))
            await walk(join(path, entry), [...parts, entry]);
        }
      };
      await walk(join(directory, "repositories"), []);
      return found;
    },
  };
}

function splitDigest(digest: string): [string, string] {
  const colon = digest.indexOf(":");
  return [digest.slice(0, colon), digest.slice(colon + 1)];
}

async function holdsContent(path: string, entries: string[]): Promise<boolean> {
  for (const kind of ["_blobs", "_manifests", "_tags"]) {
    if (!entries.includes(kind)) continue;
    const children = await readdir(join(path, kind), { recursive: true, withFileTypes: true }).catch(
      () => [],
    );
    if (children.some((child) => child.isFile() && !child.name.startsWith("."))) return true;
  }
  return false;
}

async function list(path: string): Promise<string[]> {
  return (await fileStep("list", path, (folder) => readdir(folder), undefined)) ?? [];
}

async function exists(path: string): Promise<boolean> {
  return (await fileStep("stat", path, (file) => stat(file), undefined)) !== undefined;
}

async function readText(path: string): Promise<string | undefined> {
  return fileStep("read", path, (file) => readFile(file, "utf8"), undefined);
}

async function removeFile(path: string): Promise<boolean> {
  const removed = await fileStep("remove", path, (file) => rm(file).then(() => true), false);
  return removed === true;
}

/** Links, media types and tags: replaced atomically, not flushed (as before: they are rewritten on a re-push). */
async function writeSmallFile(path: string, text: string): Promise<void> {
  await makeDirectory(dirname(path));
  await writeFileAtomic(path, text, { durable: false });
}

/** Runs a file system step: `missing` when the path does not exist, `LocalIoError` on other failures. */
async function fileStep<T, M>(
  action: string,
  path: string,
  run: (path: string) => Promise<T>,
  missing: M,
): Promise<T | M> {
  try {
    return await run(path);
  } catch (error) {
    const code = errorCode(error);
    if (code === "ENOENT" || code === "ENOTDIR") return missing;
    throw localIoError(action, path, error);
  }
}

import type { ByteStream, ImageManifest, ReadableTarget } from "@stevedore/core";
import { NotFoundError, UsageError } from "@stevedore/core";
import { normalizeArchivePath } from "@stevedore/tar";
import { type MergedEntry, mergedEntries } from "./merged-entries.js";

/** One file of an image, found by {@link readImageFile}. */
export interface ImageFile {
  /** The path found, after symbolic links were followed. */
  path: string;
  size: number;
  mode: number;
  /** The content, streamed from its layer; read it once. */
  content: ByteStream;
}

const maxLinks = 40;

/**
 * One file of an image's merged file system: the top layer that has it wins, whiteouts and opaque
 * directories are honoured, and symbolic links (of the file or of a directory on its path) are followed
 * inside the image. Layers are read from the top until the file is found; the content then streams from
 * that layer.
 *
 * @throws NotFoundError when the image has no such file (never had it, or a layer deleted it).
 * @throws UsageError when the path is a directory, a device or a FIFO, or is not a safe path, or when the
 *   manifest is an artifact's (named in the message as `where`, default "the image").
 * @example
 * ```ts
 * const file = await readImageFile(target, manifest, "/etc/os-release");
 * for await (const chunk of file.content) process.stdout.write(chunk);
 * ```
 */
export async function readImageFile(
  target: ReadableTarget,
  manifest: ImageManifest,
  path: string,
  options: { signal?: AbortSignal; where?: string } = {},
): Promise<ImageFile> {
  const first = stripped(path);
  if (first === undefined) throw new UsageError(`${JSON.stringify(path)} is not a path inside the image`);
  let wanted: string = first;
  for (let hops = 0; hops <= maxLinks; hops += 1) {
    const iterator = mergedEntries(target, manifest, options.signal, options.where);
    let found: MergedEntry | undefined;
    let redirect: string | undefined;
    for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) {
      const merged = next.value;
      if (merged.path === wanted) {
        found = merged;
        break;
      }
      // A symbolic link on the way (`/bin` → `usr/bin` in merged-/usr images) redirects the lookup.
      if (wanted.startsWith(`${merged.path}/`) && merged.entry.type === "symlink") {
        redirect = resolveLink(
          merged.path,
          merged.entry.linkName ?? "",
          wanted.slice(merged.path.length + 1),
        );
        break;
      }
    }
    if (redirect === undefined && found?.entry.type === "symlink") {
      redirect = resolveLink(found.path, found.entry.linkName ?? "", "");
    } else if (redirect === undefined && found?.entry.type === "hardlink") {
      redirect = stripped(found.entry.linkName ?? "") ?? "";
    }
    if (redirect === undefined && found === undefined) {
      await iterator.return(undefined);
      throw new NotFoundError(
        `${path} is not in the image${wanted === first ? "" : ` (looked for ${wanted})`}`,
      );
    }
    if (redirect !== undefined || found === undefined) {
      await iterator.return(undefined);
      if (redirect === undefined || redirect === "")
        throw new UsageError(`${path} leads to the image's root directory, not a file`);
      wanted = redirect;
      continue;
    }
    if (found.entry.type !== "file") {
      await iterator.return(undefined);
      throw new UsageError(`${path} is a ${found.entry.type} in the image, not a file`);
    }
    const { entry } = found;
    return {
      path: found.path,
      size: entry.size,
      mode: entry.mode & 0o7777,
      content: (async function* () {
        try {
          yield* entry.content;
        } finally {
          await iterator.return(undefined);
        }
      })(),
    };
  }
  throw new UsageError(`${path}: more than ${maxLinks} symbolic links on the way`);
}

/** Where a link at `linkPath` to `target` leads, with `rest` appended; relative links resolve from its folder. */
function resolveLink(linkPath: string, target: string, rest: string): string {
  const parts = target.startsWith("/") ? [] : linkPath.split("/").slice(0, -1);
  for (const part of `${target}/${rest}`.split("/")) {
    if (part === "" || part === ".") continue;
    // `..` stops at the root, as the kernel resolves it inside a container.
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return parts.join("/");
}

function stripped(path: string): string | undefined {
  return normalizeArchivePath(path.replace(/^\/+/, ""));
}

/**
 * Path rules for names inside archives and layout files. An archive is hostile input: a name that is
 * absolute or climbs out with `..` is how "tar slip" attacks write outside the destination, so such names
 * are refused outright rather than cleaned up (`spec/PROTOCOL.md` §13).
 */

/**
 * Normalises a relative `/`-separated path (drops `.` and empty components and a leading `./`), or returns
 * `undefined` when it is unsafe: empty, absolute (`/x`, `\x`, `C:`), holding a NUL byte, or holding a `..`
 * component anywhere.
 *
 * @example
 * ```ts
 * normalizeArchivePath("./blobs//sha256/ab"); // "blobs/sha256/ab"
 * normalizeArchivePath("../etc/passwd"); // undefined
 * ```
 */
export function normalizeArchivePath(path: string): string | undefined {
  if (typeof path !== "string" || path.includes("\0")) return undefined;
  if (path.startsWith("/") || path.startsWith("\\") || /^[A-Za-z]:/.test(path)) return undefined;
  const parts: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") return undefined;
    parts.push(part);
  }
  return parts.length === 0 ? undefined : parts.join("/");
}

/**
 * Resolves the target of a symbolic link stored at `linkPath` (already normalised) inside an archive,
 * without touching the file system. `..` may climb within the archive (Docker 1.12–24 store a repeated
 * layer as `<id>/layer.tar -> ../<other id>/layer.tar`) but never above its root; an absolute target is
 * refused. Returns `undefined` when the link escapes.
 */
export function resolveArchiveLink(linkPath: string, target: string): string | undefined {
  if (typeof target !== "string" || target.includes("\0")) return undefined;
  if (target.startsWith("/") || target.startsWith("\\") || /^[A-Za-z]:/.test(target)) return undefined;
  const parts = linkPath.split("/").slice(0, -1);
  for (const part of target.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (parts.length === 0) return undefined;
      parts.pop();
      continue;
    }
    parts.push(part);
  }
  return parts.length === 0 ? undefined : parts.join("/");
}

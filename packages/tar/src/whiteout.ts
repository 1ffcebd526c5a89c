/**
 * OCI layer whiteouts (image-spec `layer.md`): a file `.wh.<name>` deletes `<name>` from the layers below,
 * and `.wh..wh..opq` in a directory hides everything the layers below put in that directory.
 */

/** The prefix of a whiteout file name. */
export const whiteoutPrefix = ".wh.";
/** The name of the opaque-directory marker. */
export const opaqueWhiteout = ".wh..wh..opq";

/** What a whiteout entry means, from {@link parseWhiteout}. */
export type Whiteout =
  /** `path` and everything under it are deleted from the layers below. */
  | { kind: "delete"; path: string }
  /** The layers below contribute nothing inside `directory` (`""` for the root). */
  | { kind: "opaque"; directory: string };

/**
 * Tells whether a normalised layer path is a whiteout, and what it removes; `undefined` for an ordinary
 * entry.
 *
 * @example
 * ```ts
 * parseWhiteout("etc/.wh.motd"); // { kind: "delete", path: "etc/motd" }
 * parseWhiteout("var/cache/.wh..wh..opq"); // { kind: "opaque", directory: "var/cache" }
 * ```
 */
export function parseWhiteout(path: string): Whiteout | undefined {
  const slash = path.lastIndexOf("/");
  const directory = slash === -1 ? "" : path.slice(0, slash);
  const base = path.slice(slash + 1);
  if (!base.startsWith(whiteoutPrefix)) return undefined;
  if (base === opaqueWhiteout) return { kind: "opaque", directory };
  const name = base.slice(whiteoutPrefix.length);
  if (name === "" || name === "." || name === "..") return undefined;
  return { kind: "delete", path: directory === "" ? name : `${directory}/${name}` };
}

/**
 * The layer path of the whiteout that deletes `path`, or of the opaque marker of directory `path` when
 * `opaque` is set.
 *
 * @example
 * ```ts
 * whiteoutPath("etc/motd"); // "etc/.wh.motd"
 * whiteoutPath("var/cache", { opaque: true }); // "var/cache/.wh..wh..opq"
 * ```
 */
export function whiteoutPath(path: string, options: { opaque?: boolean } = {}): string {
  if (options.opaque === true) return path === "" ? opaqueWhiteout : `${path}/${opaqueWhiteout}`;
  const slash = path.lastIndexOf("/");
  return slash === -1
    ? `${whiteoutPrefix}${path}`
    : `${path.slice(0, slash + 1)}${whiteoutPrefix}${path.slice(slash + 1)}`;
}

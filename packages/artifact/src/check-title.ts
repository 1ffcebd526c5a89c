import { ManifestError } from "@stevedore/core";

/** Longest file name component most file systems take (bytes of UTF-8). */
const maxComponentBytes = 255;
/** Longest relative path accepted, in bytes (Linux's PATH_MAX). */
const maxPathBytes = 4096;

/**
 * The path components of a layer title (or a tar entry name) to write under a pull's directory, after
 * checking it cannot leave that directory: relative, `/`-separated, no `.`/`..`/empty component, no NUL or
 * backslash, no drive letter, each component at most 255 bytes and the whole at most 4096.
 *
 * @throws ManifestError naming the title and what is wrong with it.
 * @example
 * checkTitle("docs/readme.md", "layer 2"); // ["docs", "readme.md"]
 * checkTitle("../x", "layer 1"); // throws: would write outside the directory
 */
export function checkTitle(title: string, where: string): string[] {
  const shown = JSON.stringify(title.length > 80 ? `${title.slice(0, 80)}…` : title);
  const refuse = (why: string): never => {
    throw new ManifestError(`${where}: the name ${shown} ${why}; nothing was written`);
  };
  if (title === "") refuse("is empty");
  if (title.includes("\0")) refuse("holds a NUL character");
  if (title.includes("\\")) refuse("holds a backslash");
  if (title.startsWith("/") || /^[A-Za-z]:/.test(title))
    refuse("is absolute and would write outside the directory");
  if (Buffer.byteLength(title) > maxPathBytes) refuse(`is longer than ${maxPathBytes} bytes`);
  const components = title.replace(/\/+$/, "").split("/");
  for (const component of components) {
    if (component === "..") refuse("would write outside the directory");
    if (component === "" || component === ".") refuse("has an empty or '.' path component");
    if (Buffer.byteLength(component) > maxComponentBytes) {
      refuse(`has a component longer than ${maxComponentBytes} bytes`);
    }
  }
  return components;
}

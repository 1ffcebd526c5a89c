/**
 * A child process for the cross-process locking test: tags one manifest `count` times at once in the OCI
 * layout at `path`, as `<prefix>-<n>`. Arguments: path prefix count mediaType digest size.
 */
import { createOciLayout } from "../oci-layout/create-oci-layout.js";

const [path, prefix, count, mediaType, digest, size] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
  string,
];
const layout = createOciLayout(path);
const descriptor = { mediaType, digest, size: Number(size) };
await Promise.all(
  Array.from({ length: Number(count) }, (_, index) => layout.tag(descriptor, `${prefix}-${index}`)),
);
process.stdout.write("done\n");

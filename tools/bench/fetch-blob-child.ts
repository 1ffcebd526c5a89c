// The library path of `memory.ts`, run as its own process so GNU time measures only it: one blob fetched
// from a registry repository (`@stevedore/remote`) into an OCI image layout (`@stevedore/layout`), as an
// application embedding the packages would do it. Uses the built packages (run `pnpm build` first).
//
//   node tools/bench/fetch-blob-child.ts HOST REPOSITORY DIGEST SIZE LAYOUT_DIR
import { targetSource } from "../../packages/blob/dist/index.js";
import { createOciLayout } from "../../packages/layout/dist/index.js";
import { createRemote } from "../../packages/remote/dist/index.js";
import { createTransport } from "../../packages/transport/dist/index.js";

const [host, repository, digest, size, directory] = process.argv.slice(2);
if (!host || !repository || !digest || !size || !directory) {
  console.error("usage: fetch-blob-child.ts HOST REPOSITORY DIGEST SIZE LAYOUT_DIR");
  process.exit(2);
}
const descriptor = {
  mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
  digest,
  size: Number(size),
};
const transport = createTransport();
try {
  const remote = createRemote({ transport, registry: host, repository });
  const layout = createOciLayout(directory, { create: true });
  await layout.push(descriptor, targetSource(remote, descriptor));
  if (!(await layout.exists(descriptor))) throw new Error("the blob is not in the layout");
} finally {
  await transport.close();
}

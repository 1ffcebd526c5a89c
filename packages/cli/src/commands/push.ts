import { UsageError } from "@stevedore/core";
import { type CommandDefinition, defineCommand } from "../command-definition.js";
import { compressionOf, copyCompressionFlag } from "../image-edit-flags.js";
import { locationRegistries } from "../location-registries.js";
import { runTransfer } from "../run-transfer.js";

/** `stevedore push PATH REF`: an OCI layout, an OCI archive or a docker archive into a registry. */
export const pushCommand: CommandDefinition = defineCommand({
  name: "push",
  summary: "upload an image from an OCI layout directory or an OCI or docker archive",
  arguments: [{ name: "PATH" }, { name: "REF" }],
  flags: [copyCompressionFlag],
  relevantGlobalFlags: ["platform", "concurrency", "username", "password-stdin"],
  description:
    "Copies the image in PATH (an OCI layout directory, or an archive file, docker or OCI by its content; " +
    "oci:PATH[:TAG], oci-archive:PATH[:TAG] or docker-archive:PATH[:TAG] to choose) to REF, whole: an index keeps every platform and its digest unless --platform narrows it. " +
    "Blobs the registry has are skipped, blobs in another repository of the same " +
    "registry are mounted, large blobs are uploaded in resumable chunks. Manifests go up after their " +
    "blobs, the tag last. An interrupted push cancels its upload sessions. A docker archive's layers " +
    "(plain tars) go up gzip-compressed, diff IDs unchanged; --compression chooses (none keeps them).",
  examples: [
    { command: "stevedore push ./alpine localhost:5000/alpine:3.20", description: "push an OCI layout" },
    {
      command: "stevedore push docker-archive:app.tar localhost:5000/app:v1",
      description: "push a `docker save` archive",
    },
    {
      command: "stevedore push image.tar localhost:5000/app:v1",
      description: "a `podman save --format oci-archive` (or docker save) file",
    },
    {
      command: "stevedore push oci:./build:v2 ghcr.io/me/app:v2 -u me --password-stdin < token",
      description: "the layout's tag v2, with credentials for ghcr.io",
    },
  ],
  async run(context) {
    const [path = "", reference = ""] = context.arguments;
    if (path === "") throw new UsageError("PATH is empty");
    const module = await context.loadClient();
    const client = await context.createClient(locationRegistries(module, [reference]));
    const compression = compressionOf(context);
    await runTransfer(context, (options) =>
      client.push(path, reference, { ...options, ...(compression === undefined ? {} : { compression }) }),
    );
  },
});

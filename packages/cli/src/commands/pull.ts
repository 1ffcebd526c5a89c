import { UsageError } from "@stevedore/core";
import type { CommandDefinition } from "../command-definition.js";
import { hasLocalTransport, locationRegistries } from "../location-registries.js";
import { runTransfer } from "../run-transfer.js";

/** `stevedore pull REF PATH`: an image into an OCI layout or a docker archive. */
export const pullCommand: CommandDefinition = {
  name: "pull",
  summary: "download an image into an OCI layout directory or a docker archive",
  arguments: [{ name: "REF" }, { name: "PATH" }],
  flags: [
    {
      name: "format",
      type: "string",
      valueName: "oci|docker",
      description: "write an OCI layout directory (default) or a `docker load` archive",
    },
  ],
  relevantGlobalFlags: ["platform", "concurrency"],
  description:
    "Copies REF from its registry into PATH: an OCI image layout directory (created if needed, existing " +
    "content is reused) or, with --format docker, a tar archive for `docker load`. PATH may also be written " +
    "oci:PATH[:TAG] or docker-archive:PATH[:TAG]. For an index, --platform selects the platforms (default: " +
    "this machine's; 'all' keeps the whole index). Blobs are verified before they are kept; an " +
    "interrupted pull leaves no partial files.",
  examples: [
    { command: "stevedore pull alpine:3.20 ./alpine", description: "this machine's platform, as OCI layout" },
    {
      command: "stevedore pull alpine:3.20 ./alpine --platform all",
      description: "every platform of the index",
    },
    {
      command: "stevedore pull alpine:3.20 alpine.tar --format docker --platform linux/arm64",
      description: "an arm64 archive for docker load",
    },
  ],
  async run(context) {
    const [reference = "", path = ""] = context.arguments;
    const destination = destinationFor(path, context.flags.format);
    const module = await context.loadClient();
    const client = await context.createClient(locationRegistries(module, [reference]));
    await runTransfer(context, (options) => client.pull(reference, destination, options));
  },
};

function destinationFor(path: string, format: unknown): string {
  if (path === "") throw new UsageError("PATH is empty");
  if (format === undefined) return path;
  if (format !== "oci" && format !== "docker") {
    throw new UsageError(`--format ${JSON.stringify(String(format).slice(0, 40))} is not oci or docker`);
  }
  if (hasLocalTransport(path)) {
    throw new UsageError(`--format and a transport prefix in ${JSON.stringify(path)} cannot be combined`);
  }
  return format === "oci" ? `oci:${path}` : `docker-archive:${path}`;
}

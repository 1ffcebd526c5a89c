import { formatPlatform, UsageError } from "@stevedore/core";
import { type CommandDefinition, defineCommand } from "../command-definition.js";
import { hasLocalTransport, locationRegistries } from "../location-registries.js";
import { runTransfer } from "../run-transfer.js";
import { singlePlatform } from "../single-platform.js";

/** `stevedore pull REF PATH`: an image into an OCI layout, an OCI archive or a docker archive. */
export const pullCommand: CommandDefinition = defineCommand({
  name: "pull",
  summary: "download an image into an OCI layout directory or an OCI or docker archive",
  arguments: [{ name: "REF" }, { name: "PATH" }],
  flags: [
    {
      name: "format",
      type: "string",
      valueName: "oci|oci-archive|docker",
      description: "write an OCI layout directory (default), an OCI archive or a `docker load` archive",
    },
  ],
  relevantGlobalFlags: ["platform", "concurrency"],
  description:
    "Copies REF from its registry into PATH: an OCI image layout directory (created if needed, existing " +
    "content is reused), with --format oci-archive a tar of one (replaced, as skopeo does), or with --format " +
    "docker a tar archive for `docker load`. PATH may also be written oci:PATH[:TAG], " +
    "oci-archive:PATH[:TAG] or docker-archive:PATH[:TAG]. The image stays whole: an index keeps every platform and " +
    "its digest unless --platform narrows it. A docker archive holds one image: from an index it takes " +
    "--platform, or linux/<this CPU> on any OS, and says which; something that is not a container image " +
    "(a Helm chart, an SBOM) cannot go into one (exit 2). Blobs are verified before they are kept; an " +
    "interrupted pull leaves no partial files.",
  examples: [
    { command: "stevedore pull alpine:3.20 ./alpine", description: "every platform, as an OCI layout" },
    {
      command: "stevedore pull alpine:3.20 ./alpine --platform linux/arm64",
      description: "only the arm64 image of the index",
    },
    {
      command: "stevedore pull alpine:3.20 oci-archive:alpine.tar:3.20",
      description: "every platform, as an OCI archive (podman load, skopeo read it)",
    },
    {
      command: "stevedore pull alpine:3.20 alpine.tar --format docker --platform linux/arm64",
      description: "an arm64 archive for docker load",
    },
  ],
  async run(context) {
    const [reference = "", path = ""] = context.arguments;
    const destination = destinationFor(path, context.flags.format);
    const archive = destination.startsWith("docker-archive:");
    if (archive) singlePlatform(context.options, "pull --format docker");
    const module = await context.loadClient();
    const client = await context.createClient(locationRegistries(module, [reference]));
    const [outcome] = await runTransfer(context, (options) => client.pull(reference, destination, options));
    const [picked] = outcome?.platforms ?? [];
    if (
      archive &&
      context.options.platforms === undefined &&
      picked !== undefined &&
      !context.options.quiet
    ) {
      context.io.stderr.write(
        `stevedore: the archive holds ${formatPlatform(picked)} of the index (linux/<this CPU> by default; --platform chooses another)\n`,
      );
    }
  },
});

function destinationFor(path: string, format: unknown): string {
  if (path === "") throw new UsageError("PATH is empty");
  if (format === undefined) return path;
  if (format !== "oci" && format !== "oci-archive" && format !== "docker") {
    throw new UsageError(
      `--format ${JSON.stringify(String(format).slice(0, 40))} is not oci, oci-archive or docker`,
    );
  }
  if (hasLocalTransport(path)) {
    throw new UsageError(`--format and a transport prefix in ${JSON.stringify(path)} cannot be combined`);
  }
  return format === "docker" ? `docker-archive:${path}` : `${format}:${path}`;
}

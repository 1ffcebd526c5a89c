import { type CommandDefinition, defineCommand } from "../command-definition.js";
import { locationRegistries } from "../location-registries.js";
import { singlePlatformCall } from "../single-platform.js";
import { outputFlag, writeOutput } from "../write-output.js";

/** `stevedore export REF [-o FILE]`: the merged file system as a tar. */
export const exportCommand: CommandDefinition = defineCommand({
  name: "export",
  summary: "write an image's merged file system as a tar (one platform)",
  arguments: [{ name: "REF" }],
  flags: [outputFlag],
  relevantGlobalFlags: ["platform"],
  description:
    "Streams the file system of REF's image — all layers applied in order, files deleted by whiteouts and " +
    "hidden by opaque directories left out, gzip and zstd layers decompressed — as an uncompressed tar. " +
    "For an index the platform is --platform, or linux/<this CPU>. Layers are read one at a time and never " +
    "held in memory. REF may be a registry reference, oci:DIR[:TAG], oci-archive:FILE[:TAG] or " +
    "docker-archive:FILE.",
  examples: [
    { command: "stevedore export alpine:3.20 -o rootfs.tar", description: "the root file system" },
    { command: "stevedore export localhost:5000/app:v1 | tar -t", description: "list every file" },
  ],
  async run(context) {
    const reference = context.arguments[0] ?? "";
    const call = singlePlatformCall(context, "export");
    const module = await context.loadClient();
    const client = await context.createClient(locationRegistries(module, [reference]));
    const stream = await client.exportFilesystem(reference, call);
    await writeOutput(context, stream);
  },
});

import { type CommandDefinition, defineCommand } from "../command-definition.js";
import { parseJsonBytes } from "../parse-json-bytes.js";
import { readClient } from "../reference-client.js";
import { singlePlatformCall } from "../single-platform.js";

/** `stevedore manifest REF`: the manifest's exact bytes. */
export const manifestCommand: CommandDefinition = defineCommand({
  name: "manifest",
  summary: "print a manifest or index, byte for byte",
  arguments: [{ name: "REF" }],
  relevantGlobalFlags: ["platform"],
  description:
    "Writes the manifest (or index) REF points to on stdout exactly as the registry stores it, so its " +
    "sha256 is the digest. With --platform: the image manifest of that platform from an index (a " +
    "single-platform image must be for it, exit 3 otherwise). With --json: the descriptor and the parsed " +
    "manifest.",
  examples: [
    { command: "stevedore manifest alpine:3.20", description: "the index of alpine 3.20" },
    { command: "stevedore manifest localhost:5000/app@sha256:… | sha256sum", description: "check a digest" },
    {
      command: "stevedore manifest alpine:3.20 --platform linux/arm64",
      description: "the arm64 image manifest of the index",
    },
  ],
  async run(context) {
    const input = context.arguments[0] ?? "";
    const call = singlePlatformCall(context, "manifest");
    const client = await readClient(context, input);
    const { descriptor, bytes } = await client.manifest(input, call);
    if (context.options.json) {
      await context.printJson({ reference: input, descriptor, manifest: parseJsonBytes(bytes) });
    } else {
      await context.write(bytes);
    }
  },
});

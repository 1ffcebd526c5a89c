import { type CommandDefinition, defineCommand } from "../command-definition.js";
import { readClient } from "../reference-client.js";
import { singlePlatformCall } from "../single-platform.js";

/** `stevedore digest REF`: the manifest digest. */
export const digestCommand: CommandDefinition = defineCommand({
  name: "digest",
  summary: "print the digest of a manifest or index",
  arguments: [{ name: "REF" }],
  relevantGlobalFlags: ["platform"],
  description:
    "Prints the digest of the manifest (or index) REF points to, as one line: sha256:…. With --platform: " +
    "the digest of that platform's image manifest in an index (a single-platform image must be for it, " +
    "exit 3 otherwise).",
  examples: [
    { command: "stevedore digest alpine:3.20", description: "sha256:… of the index" },
    { command: "stevedore digest oci-archive:image.tar:v1", description: "of a local layout or archive" },
    { command: "stevedore digest alpine:3.20 --platform linux/arm64", description: "of its arm64 image" },
    { command: 'stevedore copy app:v1 "app@$(stevedore digest app:v1)"', description: "pin by digest" },
  ],
  async run(context) {
    const input = context.arguments[0] ?? "";
    const call = singlePlatformCall(context, "digest");
    const client = await readClient(context, input);
    const digest = await client.digest(input, call);
    await context.print(digest);
    await context.printJson({ reference: input, digest });
  },
});

import { parseReference } from "@stevedore/core";
import type { CommandDefinition } from "../command-definition.js";
import { parseJsonBytes } from "../parse-json-bytes.js";
import { singlePlatform } from "../single-platform.js";

/** `stevedore manifest REF`: the manifest's exact bytes. */
export const manifestCommand: CommandDefinition = {
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
    const platform = singlePlatform(context.options, "manifest");
    const reference = parseReference(input);
    const client = await context.createClient([reference.registry]);
    const { descriptor, bytes } = await client.manifest(input, {
      signal: context.signal,
      ...(platform === undefined ? {} : { platform }),
    });
    if (context.options.json) {
      await context.printJson({ reference: input, descriptor, manifest: parseJsonBytes(bytes) });
    } else {
      await context.write(bytes);
    }
  },
};

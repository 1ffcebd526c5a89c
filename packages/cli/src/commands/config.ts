import { type CommandDefinition, defineCommand } from "../command-definition.js";
import { parseJsonBytes } from "../parse-json-bytes.js";
import { readClient } from "../reference-client.js";
import { singlePlatformCall } from "../single-platform.js";

/** `stevedore config REF`: the image config of the selected platform. */
export const configCommand: CommandDefinition = defineCommand({
  name: "config",
  summary: "print the image config of an image (one platform)",
  arguments: [{ name: "REF" }],
  relevantGlobalFlags: ["platform"],
  description:
    "Writes the config blob of the image REF points to on stdout, byte for byte. For an index the " +
    "platform is --platform, or linux/<this CPU> on any OS (a Windows host prefers windows/<this CPU> " +
    "when the index has it). A single-platform image must be for --platform when it is given (exit 3).",
  examples: [
    { command: "stevedore config alpine:3.20 --platform linux/arm64", description: "arm64 config" },
    { command: "stevedore config localhost:5000/app:v1 | jq .config.Labels", description: "the labels" },
  ],
  async run(context) {
    const input = context.arguments[0] ?? "";
    const call = singlePlatformCall(context, "config");
    const client = await readClient(context, input);
    const { descriptor, bytes } = await client.config(input, call);
    if (context.options.json) {
      await context.printJson({ reference: input, descriptor, config: parseJsonBytes(bytes) });
    } else {
      await context.write(bytes);
    }
  },
});

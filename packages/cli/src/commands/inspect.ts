import { type CommandDefinition, defineCommand } from "../command-definition.js";
import { formatInspect } from "../format-inspect.js";
import { readClient } from "../reference-client.js";
import { singlePlatformCall } from "../single-platform.js";

/** `stevedore inspect REF`: platforms, layers, sizes, created, labels. */
export const inspectCommand: CommandDefinition = defineCommand({
  name: "inspect",
  summary: "summarise an image: platforms, layers, sizes, created, labels",
  arguments: [{ name: "REF" }],
  relevantGlobalFlags: ["platform"],
  description:
    "Shows what REF points to: digest, media type and size; for an index its platforms (attestations left " +
    "out); for the selected image (--platform, or linux/<this CPU> on any OS) its creation time, config, " +
    "layers with sizes and labels. A single-platform image must be for --platform when it is given " +
    "(exit 3 otherwise). With --json: the whole result as one object.",
  examples: [
    { command: "stevedore inspect alpine:3.20", description: "the platforms and the linux/<this CPU> image" },
    { command: "stevedore inspect alpine:3.20 --platform linux/arm64 --json", description: "as JSON" },
  ],
  async run(context) {
    const input = context.arguments[0] ?? "";
    const call = singlePlatformCall(context, "inspect");
    const client = await readClient(context, input);
    const result = await client.inspect(input, call);
    if (context.options.json) {
      await context.printJson({ ...result });
      return;
    }
    for (const line of formatInspect(result)) await context.print(line);
  },
});

import { type CommandDefinition, defineCommand } from "../command-definition.js";
import { locationRegistries } from "../location-registries.js";
import { singlePlatformCall } from "../single-platform.js";
import { outputFlag, writeOutput } from "../write-output.js";

/** `stevedore get-file REF PATH [-o FILE]`: one file of an image. */
export const getFileCommand: CommandDefinition = defineCommand({
  name: "get-file",
  summary: "write one file of an image (one platform) to stdout or a file",
  arguments: [{ name: "REF" }, { name: "PATH" }],
  flags: [outputFlag],
  relevantGlobalFlags: ["platform"],
  description:
    "Finds PATH in REF's merged file system — the top layer that has it wins, whiteouts are respected, " +
    "symbolic links are followed inside the image — and streams its content. Exit 3 when the image has " +
    "no such file. Layers are read from the top down until the file is found.",
  examples: [
    { command: "stevedore get-file alpine:3.20 /etc/os-release", description: "which Alpine" },
    {
      command: "stevedore get-file localhost:5000/plugin:v1 /app/package.json -o package.json",
      description: "to a file",
    },
  ],
  async run(context) {
    const [reference = "", path = ""] = context.arguments;
    const call = singlePlatformCall(context, "get-file");
    const module = await context.loadClient();
    const client = await context.createClient(locationRegistries(module, [reference]));
    const file = await client.readFile(reference, path, call);
    await writeOutput(context, file.content);
  },
});

import { UsageError } from "@stevedore/core";
import { type CommandDefinition, defineCommand } from "../command-definition.js";
import { compressionFlag, compressionOf, printEdit, tagAsFlag } from "../image-edit-flags.js";
import { locationRegistries } from "../location-registries.js";

/** `stevedore flatten REF -t NEWREF`: one layer with the merged file system. */
export const flattenCommand: CommandDefinition = defineCommand({
  name: "flatten",
  summary: "squash an image's layers into one (whiteouts applied)",
  arguments: [{ name: "REF" }],
  flags: [tagAsFlag, compressionFlag],
  relevantGlobalFlags: ["platform", "username", "password-stdin"],
  description:
    "Replaces the layers of REF (every platform of an index, or those --platform names) with one layer " +
    "holding the merged file system, deleted files gone, and writes the result to -t NEWREF. The config " +
    "keeps everything but rootfs.diff_ids and history (one entry each).",
  examples: [
    {
      command: "stevedore flatten localhost:5000/app:v1 -t localhost:5000/app:v1-flat",
      description: "one layer",
    },
  ],
  async run(context) {
    const reference = context.arguments[0] ?? "";
    const destination = context.flags["tag-as"];
    if (typeof destination !== "string")
      throw new UsageError("flatten needs -t NEWREF (where to write the result)");
    const compression = compressionOf(context);
    const module = await context.loadClient();
    const client = await context.createClient(locationRegistries(module, [reference, destination]));
    const { platforms } = context.options;
    const outcome = await client.flatten(reference, destination, {
      signal: context.signal,
      ...(compression === undefined ? {} : { compression }),
      ...(platforms === undefined ? {} : { platforms }),
    });
    await printEdit(context, outcome);
  },
});

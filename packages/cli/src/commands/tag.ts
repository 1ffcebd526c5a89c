import { parseReference } from "@stevedore/core";
import { type CommandDefinition, defineCommand } from "../command-definition.js";

/** `stevedore tag REF TAG`: a new tag for an existing manifest. */
export const tagCommand: CommandDefinition = defineCommand({
  name: "tag",
  summary: "add a tag to an existing manifest in the same repository",
  arguments: [{ name: "REF" }, { name: "TAG" }],
  description:
    "Points TAG (in REF's repository) at the manifest REF resolves to, without copying any blob. Prints " +
    "the new reference and its digest.",
  examples: [
    { command: "stevedore tag localhost:5000/app:v1.2.3 latest", description: "move latest to v1.2.3" },
    { command: "stevedore tag localhost:5000/app@sha256:… stable", description: "tag a digest" },
  ],
  async run(context) {
    const [input = "", tag = ""] = context.arguments;
    const reference = parseReference(input);
    // Checked here too, so a bad tag fails before any request.
    parseReference(`${reference.registry}/${reference.repository}:${tag}`);
    const client = await context.createClient([reference.registry]);
    const descriptor = await client.tag(input, tag, { signal: context.signal });
    const tagged = `${reference.registry}/${reference.repository}:${tag}`;
    await context.print(`${tagged} ${descriptor.digest}`);
    await context.printJson({ reference: tagged, descriptor });
  },
});

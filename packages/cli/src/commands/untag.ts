import { type CommandDefinition, defineCommand } from "../command-definition.js";
import { referenceClient } from "../reference-client.js";

/** `stevedore untag REPOSITORY:TAG`: removes one tag, keeping the manifest. */
export const untagCommand: CommandDefinition = defineCommand({
  name: "untag",
  summary: "remove one tag, keeping the manifest and its other tags",
  arguments: [{ name: "REPOSITORY:TAG" }],
  description:
    "Removes TAG from REPOSITORY with the OCI delete of a tag; the manifest and its other tags stay. " +
    "Registries that delete only by digest (distribution 2.8) refuse it: the error says what the registry " +
    "answered (exit 1), and nothing changes. 'stevedore delete' removes the manifest with all its tags.",
  examples: [{ command: "stevedore untag localhost:5000/app:rc1", description: "drop the rc1 tag" }],
  async run(context) {
    const input = context.arguments[0] ?? "";
    const { client } = await referenceClient(context, input);
    await client.untag(input, { signal: context.signal });
    await context.print(`Untagged ${input}`);
    await context.printJson({ reference: input, untagged: true });
  },
});

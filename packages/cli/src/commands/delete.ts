import { type CommandDefinition, defineCommand } from "../command-definition.js";
import { referenceClient } from "../reference-client.js";

/** `stevedore delete REF`: deletes a manifest and says which tags went with it. */
export const deleteCommand: CommandDefinition = defineCommand({
  name: "delete",
  summary: "delete a manifest (by tag or digest) and every tag pointing at it",
  arguments: [{ name: "REF" }],
  description:
    "Deletes the manifest REF points to, on every registry the same way: a tag is resolved to its digest " +
    "and the manifest is deleted by digest, which removes every tag pointing at it. Prints the digest and " +
    "those tags. To remove one tag and keep the manifest, use 'stevedore untag'. Registries may refuse " +
    "deletes (distribution needs storage.delete.enabled); blobs are reclaimed by the registry's garbage " +
    "collection.",
  examples: [
    { command: "stevedore delete localhost:5000/app:old", description: "delete what app:old points to" },
    { command: "stevedore delete localhost:5000/app@sha256:…", description: "delete by digest" },
  ],
  async run(context) {
    const input = context.arguments[0] ?? "";
    const { reference, client } = await referenceClient(context, input);
    const { digest, tags } = await client.delete(input, { signal: context.signal });
    const repository = `${reference.registry}/${reference.repository}`;
    const named = tags.length === 0 ? "no tags" : `tags ${tags.join(", ")}`;
    await context.print(`Deleted ${repository}@${digest} (${named})`);
    await context.printJson({ reference: input, repository, digest, tags, deleted: true });
  },
});

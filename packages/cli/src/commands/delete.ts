import { parseReference } from "@stevedore/core";
import type { CommandDefinition } from "../command-definition.js";

/** `stevedore delete REF`: deletes a manifest. */
export const deleteCommand: CommandDefinition = {
  name: "delete",
  summary: "delete a manifest (by tag or digest) from a registry",
  arguments: [{ name: "REF" }],
  description:
    "Deletes the manifest REF points to. With a tag, the tag is resolved to its digest and the manifest is " +
    "deleted, which removes every tag pointing at it. Registries may refuse deletes (distribution needs " +
    "storage.delete.enabled); blobs are reclaimed by the registry's garbage collection.",
  examples: [
    { command: "stevedore delete localhost:5000/app:old", description: "delete what app:old points to" },
    { command: "stevedore delete localhost:5000/app@sha256:…", description: "delete by digest" },
  ],
  async run(context) {
    const input = context.arguments[0] ?? "";
    const reference = parseReference(input);
    const client = await context.createClient([reference.registry]);
    await client.delete(input, { signal: context.signal });
    await context.print(`Deleted ${input}`);
    await context.printJson({ reference: input, deleted: true });
  },
};

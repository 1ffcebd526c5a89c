import { parseReference } from "@stevedore/core";
import type { CommandDefinition } from "../command-definition.js";

/** `stevedore digest REF`: the manifest digest. */
export const digestCommand: CommandDefinition = {
  name: "digest",
  summary: "print the digest of a manifest or index",
  arguments: [{ name: "REF" }],
  description: "Prints the digest of the manifest (or index) REF points to, as one line: sha256:….",
  examples: [
    { command: "stevedore digest alpine:3.20", description: "sha256:… of the index" },
    { command: 'stevedore copy app:v1 "app@$(stevedore digest app:v1)"', description: "pin by digest" },
  ],
  async run(context) {
    const input = context.arguments[0] ?? "";
    const reference = parseReference(input);
    const client = await context.createClient([reference.registry]);
    const digest = await client.digest(input, { signal: context.signal });
    await context.print(digest);
    await context.printJson({ reference: input, digest });
  },
};

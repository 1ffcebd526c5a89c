import { parseReference, UsageError } from "@stevedore/core";
import { type CommandDefinition, defineCommand } from "../command-definition.js";

/** `stevedore blob REPOSITORY@DIGEST`: a blob's bytes, verified. */
export const blobCommand: CommandDefinition = defineCommand({
  name: "blob",
  summary: "write a blob to stdout, verified against its digest",
  arguments: [{ name: "REPOSITORY@DIGEST" }],
  description:
    "Streams the blob on stdout. The digest is checked as the bytes pass; on a mismatch the command fails " +
    "with exit code 6 (the bytes already written must then be discarded).",
  examples: [
    {
      command: "stevedore blob localhost:5000/app@sha256:… | tar -tzv",
      description: "list the files of a layer",
    },
  ],
  async run(context) {
    const input = context.arguments[0] ?? "";
    const reference = parseReference(input);
    if (reference.digest === undefined) {
      throw new UsageError(`blob needs REPOSITORY@DIGEST, got ${JSON.stringify(input)}`);
    }
    if (context.options.json) throw new UsageError("blob writes raw bytes; --json does not apply");
    const client = await context.createClient([reference.registry]);
    const stream = await client.blob(input, { signal: context.signal });
    for await (const chunk of stream) await context.write(chunk);
  },
});

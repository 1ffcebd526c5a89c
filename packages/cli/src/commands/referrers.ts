import { parseReference } from "@stevedore/core";
import type { CommandDefinition } from "../command-definition.js";
import { formatBytes } from "../format-bytes.js";

/** `stevedore referrers REF`: signatures, SBOMs and other artifacts that refer to a manifest. */
export const referrersCommand: CommandDefinition = {
  name: "referrers",
  summary: "list the artifacts (signatures, SBOMs …) that refer to a manifest",
  arguments: [{ name: "REF" }],
  flags: [
    {
      name: "artifact-type",
      type: "string",
      valueName: "TYPE",
      description: "only referrers of this artifact type",
    },
  ],
  description:
    "Lists the manifests whose subject is REF, through the referrers API or, where the registry lacks it, " +
    "the referrers tag schema. One line each: digest, artifact type, size.",
  examples: [
    { command: "stevedore referrers localhost:5000/app:v1", description: "every referrer" },
    {
      command: "stevedore referrers localhost:5000/app:v1 --artifact-type application/spdx+json",
      description: "only SPDX SBOMs",
    },
  ],
  async run(context) {
    const input = context.arguments[0] ?? "";
    const artifactType = context.flags["artifact-type"];
    const reference = parseReference(input);
    const client = await context.createClient([reference.registry]);
    const referrers = await client.referrers(input, {
      signal: context.signal,
      ...(typeof artifactType === "string" ? { artifactType } : {}),
    });
    for (const descriptor of referrers) {
      const type = descriptor.artifactType ?? descriptor.mediaType;
      await context.print(`${descriptor.digest}  ${type}  ${formatBytes(descriptor.size)}`);
    }
    await context.printJson({ reference: input, referrers });
  },
};

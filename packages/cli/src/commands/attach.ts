import { basename } from "node:path";
import { parseReference, UsageError } from "@stevedore/core";
import { artifactFlags, parseFileArgument, readAnnotations } from "../artifact-flags.js";
import { type CommandDefinition, defineCommand } from "../command-definition.js";

/** `stevedore attach SUBJECT FILE...`: a referrer (SBOM, signature) for a manifest. */
export const attachCommand: CommandDefinition = defineCommand({
  name: "attach",
  summary: "attach files to a manifest as a referrer (an SBOM, a signature)",
  arguments: [{ name: "SUBJECT" }, { name: "FILE[:TYPE]", optional: true, variadic: true }],
  flags: artifactFlags,
  description:
    "Pushes an artifact of type --artifact-type (required) whose subject is SUBJECT's manifest, by digest. " +
    "A registry with the referrers API lists it by itself; on others (distribution 2.8) it is added to the " +
    "referrers tag sha256-<hex> of the subject, re-read after each write so concurrent attaches all stay " +
    "listed. Prints the artifact's digest.",
  examples: [
    {
      command:
        "stevedore attach localhost:5000/app:v1 sbom.spdx.json:application/spdx+json --artifact-type application/spdx+json",
      description: "an SPDX SBOM for v1",
    },
    {
      command:
        "stevedore attach localhost:5000/app@sha256:… --artifact-type application/vnd.example.sig --annotation sig=MEUC…",
      description: "an artifact with no files, only annotations",
    },
  ],
  async run(context) {
    const [subject = "", ...files] = context.arguments;
    const artifactType = context.flags["artifact-type"];
    if (typeof artifactType !== "string" || artifactType === "") {
      throw new UsageError("attach needs --artifact-type TYPE, so referrers can be told apart");
    }
    const parsed = parseReference(subject);
    const { manifest, files: fileAnnotations } = await readAnnotations(context.flags);
    const config = context.flags.config;
    const client = await context.createClient([parsed.registry]);
    const result = await client.attach(subject, {
      artifactType,
      files: files.map((text) => {
        const file = parseFileArgument(text);
        const annotations = fileAnnotations[basename(file.path)];
        return annotations === undefined ? file : { ...file, annotations };
      }),
      ...(typeof config === "string" ? { config: parseFileArgument(config) } : {}),
      ...(Object.keys(manifest).length === 0 ? {} : { annotations: manifest }),
      ...(context.signal === undefined ? {} : { signal: context.signal }),
    });
    await context.print(`${parsed.registry}/${parsed.repository}@${result.descriptor.digest}`);
    await context.printJson({ subject, descriptor: result.descriptor, manifest: result.manifest });
  },
});

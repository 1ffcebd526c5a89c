import { basename } from "node:path";
import { parseReference, UsageError } from "@stevedore/core";
import { artifactFlags, parseFileArgument, readAnnotations } from "../artifact-flags.js";
import type { CommandContext } from "../command-context.js";
import { type CommandDefinition, defineCommand } from "../command-definition.js";
import { singlePlatform } from "../single-platform.js";

/** `stevedore artifact push|pull`: files to an OCI artifact and back. */
export const artifactCommand: CommandDefinition = defineCommand({
  name: "artifact",
  summary: "push files as an OCI artifact, or pull an artifact's files (push | pull)",
  arguments: [
    { name: "push|pull" },
    { name: "REF" },
    { name: "FILE[:TYPE]", optional: true, variadic: true },
  ],
  flags: [
    ...artifactFlags,
    {
      name: "tag",
      type: "string",
      multiple: true,
      valueName: "TAG",
      description: "push: one more tag (repeatable)",
    },
    {
      name: "output",
      short: "o",
      type: "string",
      valueName: "DIR",
      description: "pull: the directory to write into (default .)",
    },
  ],
  relevantGlobalFlags: ["platform"],
  description:
    "push REF FILE[:TYPE]... uploads each file as a layer of an OCI 1.1 image manifest, titled with its " +
    "name (org.opencontainers.image.title) and of media type TYPE (default application/vnd.oci.image.layer.v1.tar), " +
    "with the empty config unless --config is given; a directory is packed as a deterministic tar+gzip " +
    "that oras and stevedore unpack on pull. Prints the reference and digest. " +
    "pull REF [-o DIR] writes each titled layer to its name under DIR, verified, all files or none; a title " +
    "that would leave DIR (.., an absolute path, a symbolic link) fails with exit 6 before anything is " +
    "written. For an index, --platform or --artifact-type chooses the entry.",
  examples: [
    {
      command:
        "stevedore artifact push localhost:5000/docs:v1 readme.md:text/markdown --artifact-type application/vnd.example.docs",
      description: "one file, with its media type",
    },
    {
      command:
        "stevedore artifact push localhost:5000/charts/mychart:0.1.0 mychart-0.1.0.tgz:application/vnd.cncf.helm.chart.content.v1.tar+gzip --config chart.json:application/vnd.cncf.helm.config.v1+json",
      description: "a Helm chart as helm push lays it out",
    },
    {
      command: "stevedore artifact pull localhost:5000/docs:v1 -o ./docs",
      description: "the files into ./docs",
    },
  ],
  async run(context) {
    const [verb = "", reference = "", ...files] = context.arguments;
    if (verb === "push") return push(context, reference, files);
    if (verb === "pull") return pull(context, reference, files);
    throw new UsageError(
      `unknown artifact command ${JSON.stringify(verb.slice(0, 40))}: use 'artifact push' or 'artifact pull'`,
    );
  },
});

async function push(context: CommandContext, reference: string, files: readonly string[]): Promise<void> {
  if (context.flags.output !== undefined) throw new UsageError("-o/--output applies to 'artifact pull'");
  const parsed = parseReference(reference);
  const { manifest, files: fileAnnotations } = await readAnnotations(context.flags);
  const artifactType = context.flags["artifact-type"];
  const config = context.flags.config;
  const tags = context.flags.tag;
  const client = await context.createClient([parsed.registry]);
  const result = await client.pushArtifact(reference, {
    files: files.map((text) => {
      const file = parseFileArgument(text);
      const annotations = fileAnnotations[basename(file.path)];
      return annotations === undefined ? file : { ...file, annotations };
    }),
    ...(typeof artifactType === "string" ? { artifactType } : {}),
    ...(typeof config === "string" ? { config: parseFileArgument(config) } : {}),
    ...(Object.keys(manifest).length === 0 ? {} : { annotations: manifest }),
    ...(Array.isArray(tags) ? { tags } : {}),
    ...(context.signal === undefined ? {} : { signal: context.signal }),
  });
  const name = `${parsed.registry}/${parsed.repository}`;
  for (const tag of result.tags) await context.print(`${name}:${tag} ${result.descriptor.digest}`);
  if (result.tags.length === 0) await context.print(`${name}@${result.descriptor.digest}`);
  await context.printJson({
    reference,
    descriptor: result.descriptor,
    tags: result.tags,
    manifest: result.manifest,
  });
}

async function pull(context: CommandContext, reference: string, rest: readonly string[]): Promise<void> {
  if (rest.length > 0)
    throw new UsageError(
      `unexpected argument ${JSON.stringify(rest[0]?.slice(0, 60))}: pull writes into -o DIR`,
    );
  for (const flag of ["config", "annotation", "annotation-file", "tag"]) {
    if (context.flags[flag] !== undefined) throw new UsageError(`--${flag} applies to 'artifact push'`);
  }
  const parsed = parseReference(reference);
  const output = context.flags.output;
  const directory = typeof output === "string" ? output : ".";
  const artifactType = context.flags["artifact-type"];
  const platform = singlePlatform(context.options, "artifact pull");
  const client = await context.createClient([parsed.registry]);
  const result = await client.pullArtifact(reference, directory, {
    ...(platform === undefined ? {} : { platform }),
    ...(typeof artifactType === "string" ? { artifactType } : {}),
    ...(context.signal === undefined ? {} : { signal: context.signal }),
  });
  for (const file of result.files) await context.print(`${file.name} ${file.descriptor.digest}`);
  await context.printJson({
    reference,
    descriptor: result.descriptor,
    directory,
    files: result.files.map((file) => ({
      name: file.name,
      digest: file.descriptor.digest,
      size: file.descriptor.size,
    })),
    untitled: result.untitled,
  });
}

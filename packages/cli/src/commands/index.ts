import type { IndexResult } from "@stevedore/client";
import { formatPlatform, parseDigest, parseReference, UsageError } from "@stevedore/core";
import { readAnnotations } from "../artifact-flags.js";
import type { CommandContext } from "../command-context.js";
import { type CommandDefinition, defineCommand } from "../command-definition.js";
import { formatBytes } from "../format-bytes.js";
import { singlePlatform } from "../single-platform.js";

/** `stevedore index create|add|remove`: multi-platform indexes from images. */
export const indexCommand: CommandDefinition = defineCommand({
  name: "index",
  summary: "create a multi-platform index from images, or add to / remove from one (create | add | remove)",
  arguments: [
    { name: "create|add|remove" },
    { name: "REF" },
    { name: "SRC", optional: true, variadic: true },
  ],
  flags: [
    {
      name: "annotation",
      type: "string",
      multiple: true,
      valueName: "KEY=VALUE",
      description: "create: an index annotation (repeatable)",
    },
    {
      name: "digest",
      type: "string",
      valueName: "DIGEST",
      description: "remove: the entry with this digest",
    },
  ],
  relevantGlobalFlags: ["platform"],
  description:
    "create REF SRC... pushes an OCI image index listing each SRC image (by tag or digest) with the platform " +
    "read from its config; an index SRC contributes its entries. Images in other repositories of REF's " +
    "registry are mounted into REF's repository, images on other registries copied. add REF SRC appends " +
    "images to the index at REF; remove REF --platform P | --digest D takes entries out. Edits keep every " +
    "other entry byte-identical and move REF's tag to the new index.",
  examples: [
    {
      command:
        "stevedore index create localhost:5000/app:v1 localhost:5000/app:v1-amd64 localhost:5000/app:v1-arm64",
      description: "one tag for two single-platform builds",
    },
    {
      command: "stevedore index add localhost:5000/app:v1 localhost:5000/app:v1-riscv64",
      description: "one platform more",
    },
    {
      command: "stevedore index remove localhost:5000/app:v1 --platform linux/riscv64",
      description: "and out again",
    },
  ],
  async run(context) {
    const [verb = "", reference = "", ...sources] = context.arguments;
    if (verb !== "create" && verb !== "add" && verb !== "remove") {
      throw new UsageError(
        `unknown index command ${JSON.stringify(verb.slice(0, 40))}: use create, add or remove`,
      );
    }
    const parsed = parseReference(reference);
    const registries = [parsed.registry, ...sources.map((source) => parseReference(source).registry)];
    if (verb === "create") {
      if (context.flags.digest !== undefined || context.options.platforms !== undefined) {
        throw new UsageError("--digest and --platform apply to 'index remove'");
      }
      if (sources.length === 0) throw new UsageError("index create needs at least one SRC image");
      const { manifest } = await readAnnotations(context.flags);
      const client = await context.createClient(registries);
      const result = await client.createIndex(reference, sources, {
        ...(Object.keys(manifest).length === 0 ? {} : { annotations: manifest }),
        ...(context.signal === undefined ? {} : { signal: context.signal }),
      });
      return report(context, reference, result);
    }
    if (context.flags.annotation !== undefined)
      throw new UsageError("--annotation applies to 'index create'");
    if (verb === "add") {
      if (context.flags.digest !== undefined || context.options.platforms !== undefined) {
        throw new UsageError("--digest and --platform apply to 'index remove'");
      }
      if (sources.length === 0) throw new UsageError("index add needs at least one SRC image");
      const client = await context.createClient(registries);
      const result = await client.editIndex(reference, {
        add: sources,
        ...(context.signal === undefined ? {} : { signal: context.signal }),
      });
      return report(context, reference, result);
    }
    if (sources.length > 0) throw new UsageError("index remove takes --platform or --digest, not images");
    const digest = context.flags.digest;
    const platform =
      context.options.platforms === undefined ? undefined : singlePlatform(context.options, "index remove");
    if ((digest === undefined) === (platform === undefined)) {
      throw new UsageError("index remove needs exactly one of --platform P or --digest D");
    }
    const client = await context.createClient(registries);
    const result = await client.editIndex(reference, {
      ...(typeof digest === "string" ? { removeDigest: parseDigest(digest) } : {}),
      ...(platform === undefined ? {} : { removePlatform: platform }),
      ...(context.signal === undefined ? {} : { signal: context.signal }),
    });
    return report(context, reference, result);
  },
});

async function report(context: CommandContext, reference: string, result: IndexResult): Promise<void> {
  const parsed = parseReference(reference);
  await context.print(
    `${parsed.registry}/${parsed.repository}:${parsed.tag ?? ""} ${result.descriptor.digest}`,
  );
  for (const entry of result.manifests) {
    const platform = entry.platform ? formatPlatform(entry.platform) : (entry.artifactType ?? "-");
    await context.print(`  ${entry.digest}  ${platform}  ${formatBytes(entry.size)}`);
  }
  await context.printJson({
    reference,
    descriptor: result.descriptor,
    manifests: result.manifests,
    ...(result.removed.length === 0 ? {} : { removed: result.removed }),
  });
}

import type { ReferrerNode } from "@stevedore/client";
import { UsageError } from "@stevedore/core";
import { type CommandDefinition, defineCommand } from "../command-definition.js";
import { formatBytes } from "../format-bytes.js";
import { locationRegistries } from "../location-registries.js";

/** `stevedore referrers REF`: signatures, SBOMs and other artifacts that refer to a manifest. */
export const referrersCommand: CommandDefinition = defineCommand({
  name: "referrers",
  summary: "list the artifacts (signatures, SBOMs …) that refer to a manifest",
  arguments: [{ name: "REF|oci:DIR[:TAG]|oci-archive:FILE[:TAG]" }],
  flags: [
    {
      name: "artifact-type",
      type: "string",
      valueName: "TYPE",
      description: "only referrers of this artifact type",
    },
    { name: "tree", type: "boolean", description: "the whole graph: referrers of referrers, indented" },
    {
      name: "depth",
      type: "string",
      valueName: "N",
      description: "--tree: levels below REF (1-64, default 8)",
    },
  ],
  description:
    "Lists the manifests whose subject is REF, through the referrers API or, where the registry lacks it, " +
    "the referrers tag schema. One line each: digest, artifact type, size. With --tree, their referrers too " +
    "(a signature on an SBOM on an image), indented, and with --json as nested objects.",
  examples: [
    { command: "stevedore referrers localhost:5000/app:v1", description: "every referrer" },
    {
      command: "stevedore referrers localhost:5000/app:v1 --artifact-type application/spdx+json",
      description: "only SPDX SBOMs",
    },
    {
      command: "stevedore referrers localhost:5000/app:v1 --tree --depth 2",
      description: "two levels of the graph",
    },
  ],
  async run(context) {
    const input = context.arguments[0] ?? "";
    const artifactType = context.flags["artifact-type"];
    const module = await context.loadClient();
    const client = await context.createClient(locationRegistries(module, [input]));
    const depthText = context.flags.depth;
    if (context.flags.tree === true) {
      const depth = depthText === undefined ? undefined : parseDepth(depthText);
      const tree = await client.referrersTree(input, {
        ...(depth === undefined ? {} : { depth }),
        ...(typeof artifactType === "string" ? { artifactType } : {}),
        ...(context.signal === undefined ? {} : { signal: context.signal }),
      });
      await context.print(`${input} ${tree.descriptor.digest}`);
      for (const line of renderTree(tree.referrers, "")) await context.print(line);
      await context.printJson({ reference: input, tree });
      return;
    }
    if (depthText !== undefined) throw new UsageError("--depth applies with --tree");
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
});

function parseDepth(value: unknown): number {
  const text = String(value);
  const depth = /^\d{1,2}$/.test(text) ? Number(text) : Number.NaN;
  if (!(depth >= 1 && depth <= 64))
    throw new UsageError(`--depth ${JSON.stringify(text.slice(0, 20))} is not a whole number from 1 to 64`);
  return depth;
}

/** The tree below a manifest, one referrer a line, drawn with box characters. */
function renderTree(nodes: readonly ReferrerNode[], prefix: string): string[] {
  return nodes.flatMap((node, index) => {
    const last = index === nodes.length - 1;
    const { descriptor } = node;
    const type = descriptor.artifactType ?? descriptor.mediaType;
    const line = `${prefix}${last ? "└── " : "├── "}${descriptor.digest}  ${type}  ${formatBytes(descriptor.size)}`;
    return [line, ...renderTree(node.referrers, `${prefix}${last ? "    " : "│   "}`)];
  });
}

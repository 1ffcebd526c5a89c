import type { CommandDefinition } from "../command-definition.js";
import { registryArgument } from "../registry-argument.js";

/** `stevedore catalog REGISTRY`: lists repositories. */
export const catalogCommand: CommandDefinition = {
  name: "catalog",
  summary: "list the repositories of a registry",
  arguments: [{ name: "REGISTRY" }],
  description:
    "Lists every repository of the registry, one per line, following pagination. Many public registries " +
    "(Docker Hub, ghcr.io) do not offer the catalog and answer with an authorisation error.",
  examples: [
    { command: "stevedore catalog localhost:5000", description: "repositories of a local registry" },
    { command: "stevedore catalog localhost:5000 --json", description: '{"repositories":[…]}' },
  ],
  async run(context) {
    const registry = registryArgument(context.arguments[0] ?? "");
    const client = await context.createClient([registry]);
    const repositories: string[] = [];
    for await (const repository of client.catalog(registry, { signal: context.signal })) {
      if (context.options.json) repositories.push(repository);
      else await context.print(repository);
    }
    await context.printJson({ registry, repositories });
  },
};

import { type CommandDefinition, defineCommand } from "../command-definition.js";
import { registryArgument } from "../registry-argument.js";

/** `stevedore catalog REGISTRY`: lists repositories. */
export const catalogCommand: CommandDefinition = defineCommand({
  name: "catalog",
  summary: "list the repositories of a registry (or under a path prefix)",
  arguments: [{ name: "REGISTRY[/PREFIX]" }],
  description:
    "Lists every repository of the registry, one per line, following pagination; with REGISTRY/PREFIX only " +
    "the repositories under that path prefix (whole components: team takes team/app, not teamwork/app). " +
    "docker://REGISTRY is accepted. Many public registries (Docker Hub, ghcr.io) do not offer the catalog " +
    "and answer with an authorisation error.",
  examples: [
    { command: "stevedore catalog localhost:5000", description: "repositories of a local registry" },
    { command: "stevedore catalog localhost:5000/team", description: "only team/… repositories" },
    { command: "stevedore catalog localhost:5000 --json", description: '{"repositories":[…]}' },
  ],
  async run(context) {
    const input = context.arguments[0] ?? "";
    const registry = registryArgument(input);
    const client = await context.createClient([registry]);
    const repositories: string[] = [];
    for await (const repository of client.catalog(input, { signal: context.signal })) {
      if (context.options.json) repositories.push(repository);
      else await context.print(repository);
    }
    await context.printJson({ registry, repositories });
  },
});

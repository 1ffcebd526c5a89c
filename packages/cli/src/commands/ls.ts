import { parseReference, UsageError } from "@stevedore/core";
import { type CommandDefinition, defineCommand } from "../command-definition.js";
import { hasLocalTransport } from "../location-registries.js";

/** `stevedore ls REPOSITORY`: lists tags. */
export const lsCommand: CommandDefinition = defineCommand({
  name: "ls",
  summary: "list the tags of a repository",
  arguments: [{ name: "REPOSITORY" }],
  description:
    "Lists every tag of REPOSITORY (or of oci:DIR, oci-archive:FILE, docker-archive:FILE), one per line.",
  examples: [
    { command: "stevedore ls alpine", description: "tags of docker.io/library/alpine" },
    { command: "stevedore ls localhost:5000/team/app --json", description: '{"tags":[…]}' },
  ],
  async run(context) {
    const input = context.arguments[0] ?? "";
    let repository = input;
    let registries: string[] = [];
    if (!hasLocalTransport(input)) {
      const reference = parseReference(input);
      if (reference.tag !== undefined || reference.digest !== undefined) {
        throw new UsageError(`ls takes a repository without tag or digest, got ${JSON.stringify(input)}`);
      }
      repository = `${reference.registry}/${reference.repository}`;
      registries = [reference.registry];
    }
    const client = await context.createClient(registries);
    const tags: string[] = [];
    for await (const tag of client.tags(input, { signal: context.signal })) {
      if (context.options.json) tags.push(tag);
      else await context.print(tag);
    }
    await context.printJson({ repository, tags });
  },
});

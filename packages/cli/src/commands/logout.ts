import { type CommandDefinition, defineCommand } from "../command-definition.js";
import { registryArgument } from "../registry-argument.js";

/** `stevedore logout REGISTRY`: removes stored credentials. */
export const logoutCommand: CommandDefinition = defineCommand({
  name: "logout",
  summary: "remove the stored credentials of a registry",
  arguments: [{ name: "REGISTRY" }],
  description:
    "Removes the credentials of REGISTRY from the Docker config (or erases them from its credential " +
    "helper). Succeeds, saying so, when none were stored.",
  examples: [{ command: "stevedore logout ghcr.io", description: "forget the ghcr.io credentials" }],
  async run(context) {
    const registry = registryArgument(context.arguments[0] ?? "");
    const client = await context.createClient([]);
    const result = await client.logout(registry);
    const where = result.helper === undefined ? result.file : `credential helper ${result.helper}`;
    await context.print(
      result.changed
        ? `Removed the credentials of ${registry} (from ${where})`
        : `No credentials stored for ${registry} (in ${where})`,
    );
    await context.printJson({
      registry,
      file: result.file,
      helper: result.helper ?? null,
      changed: result.changed,
    });
  },
});

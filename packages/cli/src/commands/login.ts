import { UsageError } from "@stevedore/core";
import { type CommandDefinition, defineCommand } from "../command-definition.js";
import { registryArgument } from "../registry-argument.js";

/** `stevedore login REGISTRY -u USER --password-stdin`: checks and stores credentials. */
export const loginCommand: CommandDefinition = defineCommand({
  name: "login",
  summary: "log in to a registry and store the credentials",
  arguments: [{ name: "REGISTRY" }],
  relevantGlobalFlags: ["username", "password-stdin"],
  description:
    "Checks the credentials against the registry, then stores them where docker would: the credential " +
    "helper the Docker config names (credsStore, credHelpers), or the auths of config.json in DOCKER_CONFIG " +
    "(default ~/.docker). The password is read from standard input, never from an argument.",
  examples: [
    {
      command: "stevedore login localhost:5000 -u alice --password-stdin < password.txt",
      description: "log in to a local registry",
    },
    {
      command: "printf '%s\\n' \"$TOKEN\" | stevedore login ghcr.io -u octocat --password-stdin",
      description: "log in to GitHub's registry with a token",
    },
  ],
  async run(context) {
    const registry = registryArgument(context.arguments[0] ?? "");
    const username = context.options.username;
    if (username === undefined) {
      throw new UsageError("login needs -u USER and --password-stdin");
    }
    const password = await context.password();
    // No static credentials: login must test exactly the ones given, not stored ones.
    const client = await context.createClient([]);
    const stored = await client.login(registry, username, password, { signal: context.signal });
    const where = stored.helper === undefined ? stored.file : `credential helper ${stored.helper}`;
    await context.print(`Login succeeded: ${registry} (credentials stored in ${where})`);
    await context.printJson({ registry, username, file: stored.file, helper: stored.helper ?? null });
  },
});

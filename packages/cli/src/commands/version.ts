import { readFileSync } from "node:fs";
import { type CommandDefinition, defineCommand } from "../command-definition.js";

// Set by the bundle (rolldown.config.ts `define`), whose chunks do not sit where src/ and dist/ do.
declare const STEVEDORE_VERSION: string | undefined;

/** This package's version: built into the bundle, else from its package.json (`src/` and `dist/` sit beside it). */
export function cliVersion(): string {
  if (typeof STEVEDORE_VERSION === "string") return STEVEDORE_VERSION;
  try {
    const text = readFileSync(new URL("../../package.json", import.meta.url), "utf8");
    const version = (JSON.parse(text) as { version?: unknown }).version;
    return typeof version === "string" ? version : "unknown";
  } catch {
    return "unknown";
  }
}

/** `stevedore version`: prints the version without loading the client. */
export const versionCommand: CommandDefinition = defineCommand({
  name: "version",
  summary: "print the version of stevedore",
  arguments: [],
  description: "Prints the stevedore version and the Node.js version it runs on. Also: --version, -v.",
  examples: [
    { command: "stevedore version", description: "stevedore 0.1.0 (node v24.21.0)" },
    { command: "stevedore version --json", description: "the same as a JSON object" },
  ],
  async run(context) {
    const version = cliVersion();
    await context.print(`stevedore ${version} (node ${process.version})`);
    await context.printJson({ version, node: process.version });
  },
});

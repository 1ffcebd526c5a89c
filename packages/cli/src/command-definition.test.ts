/**
 * `defineCommand` types each command's flags: `pnpm typecheck` checks this file, so each
 * `@ts-expect-error` below fails the check the day a misspelt or foreign flag name type-checks again.
 */
import { describe, expect, it } from "vitest";
import { defineCommand } from "./command-definition.js";
import type { lsCommand } from "./commands/ls.js";
import type { referrersCommand } from "./commands/referrers.js";

const example = defineCommand({
  name: "example",
  summary: "an example",
  arguments: [],
  flags: [{ name: "all-tags", type: "boolean", description: "every tag" }],
  description: "An example.",
  examples: [],
  async run(context) {
    const read: unknown[] = [context.flags["all-tags"], context.flags.concurrency, context.flags.json];
    // @ts-expect-error a misspelt global flag
    read.push(context.flags.concurency);
    // @ts-expect-error a misspelt flag of this command
    read.push(context.flags["all-tag"]);
    // @ts-expect-error a flag of another command
    read.push(context.flags.tree);
  },
});

describe("defineCommand", () => {
  it("returns the definition unchanged", () => {
    expect(example.name).toBe("example");
    expect(example.flags?.map((flag) => flag.name)).toEqual(["all-tags"]);
  });
});

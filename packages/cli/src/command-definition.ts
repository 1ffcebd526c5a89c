import type { CommandContext } from "./command-context.js";
import type { FlagDefinition } from "./flag-definition.js";
import type { GlobalFlagName } from "./global-options.js";

export type { FlagDefinition };

/** A positional argument, for usage lines and the count check. */
export interface ArgumentDefinition {
  name: string;
  optional?: boolean;
  /** The last argument may be given any number of times (`FILE...`). */
  variadic?: boolean;
}

/** An example in a command's help. */
export interface CommandExample {
  command: string;
  description: string;
}

/**
 * One `stevedore` command: its help text and what it does. `FlagName` is the flags `run` may read; define a
 * command with {@link defineCommand} so it is inferred from `flags`.
 */
export interface CommandDefinition<FlagName extends string = string> {
  name: string;
  aliases?: readonly string[];
  /** One line for the command list. */
  summary: string;
  arguments: readonly ArgumentDefinition[];
  /** Flags only this command accepts (the global flags apply to every command). */
  flags?: readonly FlagDefinition[];
  /** Global flags that matter to this command, listed first in its help. */
  relevantGlobalFlags?: readonly string[];
  /** A paragraph or two for `stevedore help COMMAND`. */
  description: string;
  examples: readonly CommandExample[];
  run(context: CommandContext<FlagName>): Promise<void>;
}

/**
 * A command whose `run` reads only the flags it declares and the global ones: `context.flags.concurency` or
 * a flag of another command fails the type check. Returns `definition` unchanged.
 *
 * @example
 * ```ts
 * export const lsCommand = defineCommand({
 *   name: "ls",
 *   flags: [{ name: "all", type: "boolean", description: "every tag" }],
 *   …,
 *   async run(context) {
 *     if (context.flags.all === true) …
 *   },
 * });
 * ```
 */
export function defineCommand<const Flags extends readonly FlagDefinition[] = readonly []>(
  definition: Omit<CommandDefinition<Flags[number]["name"] | GlobalFlagName>, "flags"> & { flags?: Flags },
): CommandDefinition<Flags[number]["name"] | GlobalFlagName> {
  return definition;
}

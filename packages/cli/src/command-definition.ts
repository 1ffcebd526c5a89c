import type { CommandContext } from "./command-context.js";
import type { FlagDefinition } from "./flag-definition.js";

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

/** One `stevedore` command: its help text and what it does. */
export interface CommandDefinition {
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
  run(context: CommandContext): Promise<void>;
}

import { UsageError } from "@stevedore/core";
import type { CommandDefinition } from "../command-definition.js";
import { renderCommandHelp, renderGeneralHelp } from "../render-help.js";

/**
 * `stevedore help [COMMAND]`: the general help or one command's. The table is passed in (the table lists
 * this command, so importing it here would be a cycle).
 */
export function createHelpCommand(
  commands: () => readonly CommandDefinition[],
  findCommand: (name: string) => CommandDefinition | undefined,
): CommandDefinition {
  return {
    name: "help",
    summary: "show help for stevedore or one command",
    arguments: [{ name: "COMMAND", optional: true }],
    description:
      "Shows the commands, the global flags and the exit codes, or a command's usage and examples.",
    examples: [
      { command: "stevedore help", description: "the overview" },
      {
        command: "stevedore help copy",
        description: "how copy works, with examples (= stevedore copy --help)",
      },
    ],
    async run(context) {
      const name = context.arguments[0];
      if (name === undefined) {
        await context.write(renderGeneralHelp(commands()));
        return;
      }
      const command = findCommand(name);
      if (command === undefined) {
        throw new UsageError(`no command ${JSON.stringify(name.slice(0, 40))}; 'stevedore help' lists them`);
      }
      await context.write(renderCommandHelp(command));
    },
  };
}

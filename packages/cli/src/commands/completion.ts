import { UsageError } from "@stevedore/core";
import type { CommandDefinition } from "../command-definition.js";
import { type CompletionShell, completionScript, completionShells } from "../completion-script.js";
import { globalFlags } from "../global-options.js";

/**
 * `stevedore completion bash|zsh|fish`: a completion script made from the command table, which is passed in
 * (the table lists this command, so importing it here would be a cycle).
 */
export function createCompletionCommand(commands: () => readonly CommandDefinition[]): CommandDefinition {
  return {
    name: "completion",
    summary: "print a shell completion script (bash, zsh, fish)",
    arguments: [{ name: "SHELL" }],
    description:
      "Prints a script that completes stevedore's commands, their flags and the global flags, and local paths " +
      "where an argument or a flag's value is one (PATH, SRC, DST, FILE, DIR). It is made from the same table " +
      'as the help, so it knows every command of this version. bash: eval "$(stevedore completion bash)" in ' +
      '~/.bashrc; zsh: eval "$(stevedore completion zsh)" in ~/.zshrc; fish: stevedore completion fish > ' +
      "~/.config/fish/completions/stevedore.fish.",
    examples: [
      {
        command: "stevedore completion bash > ~/.local/share/bash-completion/completions/stevedore",
        description: 'completion in every new bash (or eval "$(stevedore completion bash)" in ~/.bashrc)',
      },
      {
        command: "stevedore completion fish > ~/.config/fish/completions/stevedore.fish",
        description: "completion in every fish",
      },
    ],
    async run(context) {
      const shell = context.arguments[0] ?? "";
      if (!(completionShells as readonly string[]).includes(shell)) {
        throw new UsageError(
          `no completion for shell ${JSON.stringify(shell.slice(0, 40))}; say one of ${completionShells.join(", ")}`,
        );
      }
      await context.write(completionScript(shell as CompletionShell, commands(), globalFlags));
    },
  };
}

import type { Client } from "@stevedore/client";
import { redactReferenceCredentials, UsageError } from "@stevedore/core";
import type { CliIo } from "./cli-io.js";
import { closestName } from "./closest-name.js";
import type { CommandDefinition, FlagDefinition } from "./command-definition.js";
import { commandTable, findCommand } from "./command-table.js";
import { versionCommand } from "./commands/version.js";
import { createCommandContext } from "./create-command-context.js";
import { describeError } from "./describe-error.js";
import { ExitCode } from "./exit-codes.js";
import { globalFlags, resolveGlobalOptions } from "./global-options.js";
import { parseArguments } from "./parse-arguments.js";
import { renderCommandHelp, renderGeneralHelp, usageLine } from "./render-help.js";

const allFlags: readonly FlagDefinition[] = [
  ...globalFlags,
  ...commandTable.flatMap((command) => command.flags ?? []),
];
const globalFlagNames = new Set<string>(globalFlags.map((flag) => flag.name));

/**
 * Runs one `stevedore` invocation and resolves with its exit status (see `exit-codes.ts`). Never calls
 * `process.exit` and never throws: every failure becomes one line on stderr (plus a stack with `--debug`,
 * plus a `{"type":"error",…}` line on stdout with `--json`).
 *
 * @example
 * const code = await main(process.argv.slice(2), {
 *   stdout: process.stdout, stderr: process.stderr, stdin: process.stdin,
 *   env: process.env, isTTY: process.stderr.isTTY === true, signal,
 * });
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const clients: Client[] = [];
  let command: CommandDefinition | undefined;
  let what = "arguments";
  let debug = argv.includes("--debug");
  let json = argv.includes("--json");
  let succeeded = false;
  try {
    const parsed = parseArguments(argv, allFlags);
    const options = resolveGlobalOptions(parsed.values);
    ({ debug, json } = options);
    const run = async (definition: CommandDefinition, positionals: readonly string[]): Promise<void> => {
      const context = createCommandContext({
        command: definition.name,
        io,
        arguments: positionals,
        flags: parsed.values,
        options,
        clients,
      });
      await definition.run(context);
    };

    if (options.version) {
      await run(versionCommand, []);
      return ExitCode.ok;
    }
    if (parsed.command === undefined) {
      if (options.help) {
        io.stdout.write(renderGeneralHelp(commandTable));
        return ExitCode.ok;
      }
      io.stderr.write(renderGeneralHelp(commandTable));
      return ExitCode.usage;
    }
    command = findCommand(parsed.command);
    if (command === undefined) {
      const guess = closestName(
        parsed.command,
        commandTable.map((candidate) => candidate.name),
      );
      throw new UsageError(
        `unknown command ${JSON.stringify(redactArgument(parsed.command).slice(0, 40))}${guess ? `; did you mean '${guess}'?` : ""}`,
      );
    }
    what = [command.name, ...parsed.positionals.map(redactArgument)].join(" ");
    if (options.help) {
      io.stdout.write(renderCommandHelp(command));
      return ExitCode.ok;
    }
    checkFlags(command, parsed.given);
    checkArgumentCount(command, parsed.positionals);
    await run(command, parsed.positionals);
    succeeded = true;
    return ExitCode.ok;
  } catch (error) {
    command ??= guessCommand(argv);
    const report = describeError(error, clip(what === "arguments" && command ? command.name : what), {
      ...(command === undefined ? {} : { command: command.name }),
      interrupted: io.signal?.aborted === true,
    });
    io.stderr.write(`${report.line}\n`);
    if (debug) io.stderr.write(debugDetails(error));
    if (json) {
      const line = {
        type: "error",
        command: command?.name ?? null,
        exitCode: report.exitCode,
        error: report.json,
      };
      io.stdout.write(`${JSON.stringify(line)}\n`);
    }
    return report.exitCode;
  } finally {
    // Closing idle connections only delays a process that ends now; the process's end closes them
    // (docs/decisions/0023-start-and-exit.md).
    if (!(succeeded && io.endsProcess === true)) {
      await Promise.allSettled(clients.map((client) => client.close()));
    }
  }
}

function checkFlags(command: CommandDefinition, given: readonly { name: string; spelling: string }[]): void {
  const own = new Set((command.flags ?? []).map((flag) => flag.name));
  for (const flag of given) {
    if (!globalFlagNames.has(flag.name) && !own.has(flag.name)) {
      throw new UsageError(`${flag.spelling} does not apply to 'stevedore ${command.name}'`);
    }
    // A platform the command would not read must not pass for one it honoured (issue 12).
    if (flag.name === "platform" && !(command.relevantGlobalFlags ?? []).includes("platform")) {
      throw new UsageError(
        `${flag.spelling} does not apply to 'stevedore ${command.name}' (it reads no platform)`,
      );
    }
  }
}

function checkArgumentCount(command: CommandDefinition, positionals: readonly string[]): void {
  const required = command.arguments.filter((argument) => !argument.optional);
  if (positionals.length < required.length) {
    const missing = required.slice(positionals.length).map((argument) => argument.name);
    throw new UsageError(`missing ${missing.join(" and ")} (usage: ${usageLine(command)})`);
  }
  if (positionals.length > command.arguments.length && command.arguments.at(-1)?.variadic !== true) {
    const extra = redactArgument(positionals[command.arguments.length] ?? "");
    throw new UsageError(
      `unexpected argument ${JSON.stringify(extra.slice(0, 60))} (usage: ${usageLine(command)})`,
    );
  }
}

/** The command a failed parse was probably for, so the hint can name its help. */
function guessCommand(argv: readonly string[]): CommandDefinition | undefined {
  for (const word of argv) {
    if (typeof word === "string" && !word.startsWith("-")) return findCommand(word);
  }
  return undefined;
}

function debugDetails(error: unknown): string {
  const lines: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current !== undefined && current !== null; depth++) {
    const text =
      current instanceof Error ? (current.stack ?? `${current.name}: ${current.message}`) : String(current);
    lines.push(depth === 0 ? text : `caused by: ${text}`);
    current = current instanceof Error ? current.cause : undefined;
  }
  return `${lines.join("\n")}\n`;
}

/** A positional as the error line names it: a password typed into a reference never appears. */
function redactArgument(argument: string): string {
  // An archive's image name (`docker-archive:PATH:NAME`, the path ending at its first `:`) is a reference.
  const archive = /^((?:docker|oci)-archive:[^:]*:)(.*)$/is.exec(argument);
  if (archive) return `${archive[1]}${redactReferenceCredentials(archive[2] ?? "")}`;
  return /^(?:oci|oci-layout|docker-archive|oci-archive):|^[./~]/i.test(argument)
    ? argument
    : redactReferenceCredentials(argument);
}

function clip(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

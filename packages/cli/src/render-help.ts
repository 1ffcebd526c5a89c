import type { CommandDefinition, FlagDefinition } from "./command-definition.js";
import { exitCodeTable } from "./exit-codes.js";
import { globalFlags } from "./global-options.js";

const width = 100;

/** `stevedore pull REF PATH [flags]` */
export function usageLine(command: CommandDefinition): string {
  const names = command.arguments.map((argument) => argumentText(argument));
  return ["stevedore", command.name, ...names, "[flags]"].join(" ");
}

/**
 * The text of `stevedore --help`: commands, global flags, reference syntax and the exit-code table.
 *
 * @example
 * io.stdout.write(renderGeneralHelp(commandTable));
 */
export function renderGeneralHelp(commands: readonly CommandDefinition[]): string {
  const commandRows = commands.map((command): [string, string] => [
    [command.name, ...(command.aliases ?? [])].join(", ") +
      ` ${command.arguments.map((argument) => argumentText(argument)).join(" ")}`,
    command.summary,
  ]);
  return [
    "stevedore: inspect, pull, push, copy, tag and delete OCI images and artifacts in container registries",
    "",
    "Usage: stevedore COMMAND [ARGUMENTS] [FLAGS]",
    "",
    "Commands:",
    ...table(commandRows),
    "",
    "Global flags (accepted by every command):",
    ...table(globalFlags.map(flagRow)),
    "",
    ...wrap(
      "REF is [REGISTRY/]REPOSITORY[:TAG][@DIGEST]; without a registry it is on Docker Hub (docker.io). " +
        "Registries on 127.0.0.1, ::1, localhost or *.localhost get HTTPS when they speak TLS, else plain " +
        "HTTP (--plain-http: always plain HTTP). SRC, DST and PATH may " +
        "be written oci:PATH[:TAG], docker-archive:PATH[:TAG], oci-archive:PATH[:TAG] or docker://REF; a " +
        "bare PATH naming a file is read as the archive its content shows (docker or OCI).",
      "",
    ),
    "",
    "Output: results on stdout; progress (bars on a terminal, plain lines otherwise) and errors on stderr.",
    '--json prints one JSON object per line on stdout: progress events, then {"type":"result",…}.',
    "",
    "Exit codes:",
    ...table(exitCodeTable.map((entry): [string, string] => [String(entry.code), entry.meaning])),
    "",
    "Run 'stevedore help COMMAND' (or 'stevedore COMMAND --help') for a command's flags and examples.",
    "",
  ].join("\n");
}

/**
 * The text of `stevedore help COMMAND`: usage, description, flags and examples.
 *
 * @example
 * io.stdout.write(renderCommandHelp(pullCommand));
 */
export function renderCommandHelp(command: CommandDefinition): string {
  const relevant = (command.relevantGlobalFlags ?? []).flatMap((name) => {
    const flag = globalFlags.find((candidate) => candidate.name === name);
    return flag === undefined ? [] : [flag];
  });
  const lines = [`Usage: ${usageLine(command)}`];
  if (command.aliases !== undefined && command.aliases.length > 0) {
    lines.push(`Aliases: ${command.aliases.join(", ")}`);
  }
  lines.push("", ...wrap(command.description, ""));
  const flags = [...(command.flags ?? []), ...relevant];
  if (flags.length > 0) lines.push("", "Flags:", ...table(flags.map(flagRow)));
  lines.push("", "Global flags: --json, --quiet, --debug and the others in 'stevedore --help'.");
  lines.push("", "Examples:");
  for (const example of command.examples) {
    lines.push(`  ${example.command}`, ...wrap(example.description, "      "));
  }
  lines.push("");
  return lines.join("\n");
}

function flagRow(flag: FlagDefinition): [string, string] {
  const names = flag.short === undefined ? `--${flag.name}` : `-${flag.short}, --${flag.name}`;
  return [flag.type === "string" ? `${names} ${flag.valueName ?? "VALUE"}` : names, flag.description];
}

function table(rows: readonly [string, string][]): string[] {
  const left = Math.min(34, Math.max(...rows.map(([name]) => name.length)));
  return rows.flatMap(([name, text]) => {
    if (name.length > left) return [`  ${name}`, ...wrap(text, " ".repeat(left + 4))];
    const [first = "", ...rest] = wrap(text, " ".repeat(left + 4));
    return [`  ${name.padEnd(left)}  ${first.trimStart()}`, ...rest];
  });
}

function wrap(text: string, indent: string): string[] {
  const lines: string[] = [];
  let line = indent;
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line.trim() !== "" && line.length + 1 + word.length > width) {
      lines.push(line);
      line = indent;
    }
    line += line.trim() === "" ? word : ` ${word}`;
  }
  if (line.trim() !== "") lines.push(line);
  return lines;
}

function argumentText(argument: { name: string; optional?: boolean; variadic?: boolean }): string {
  const name = argument.variadic ? `${argument.name}...` : argument.name;
  return argument.optional ? `[${name}]` : name;
}

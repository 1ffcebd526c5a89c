import { UsageError } from "@stevedore/core";
import type { FlagDefinition } from "./flag-definition.js";

/** A flag as the user wrote it, for messages (`-u`, `--username`). */
export interface GivenFlag {
  name: string;
  spelling: string;
}

/** The argument vector split into command, positional arguments and flag values. */
export interface ParsedArguments {
  /** The first positional argument, or `undefined` when there is none. */
  command: string | undefined;
  /** The positional arguments after the command. */
  positionals: string[];
  /** Flag values by long name: `true` for booleans, a string, or an array for repeatable flags. */
  values: Record<string, string | string[] | boolean>;
  /** Every flag given, in order. */
  given: GivenFlag[];
}

/**
 * Splits `argv` (without `node` and the script) with the given flags. Flags may come before or after the
 * command and between arguments; `--` ends flags; `-` alone is a positional argument.
 *
 * @throws UsageError for an unknown flag, a missing value, or a value given to a boolean flag.
 * @example
 * parseArguments(["--json", "ls", "localhost:5000/app"], flags);
 * // { command: "ls", positionals: ["localhost:5000/app"], values: { json: true }, given: [...] }
 */
export function parseArguments(argv: readonly string[], flags: readonly FlagDefinition[]): ParsedArguments {
  const byLong = new Map(flags.map((flag) => [flag.name, flag]));
  const byShort = new Map(flags.flatMap((flag) => (flag.short ? [[flag.short, flag] as const] : [])));
  const words: string[] = [];
  const values: ParsedArguments["values"] = {};
  const given: GivenFlag[] = [];
  let index = 0;
  const set = (flag: FlagDefinition, spelling: string, value: string | true): void => {
    given.push({ name: flag.name, spelling });
    if (flag.multiple && typeof value === "string") {
      const previous = values[flag.name];
      values[flag.name] = Array.isArray(previous) ? [...previous, value] : [value];
      return;
    }
    if (values[flag.name] !== undefined && flag.type === "string") {
      throw new UsageError(`${spelling} was given more than once`);
    }
    values[flag.name] = value;
  };
  const takeValue = (flag: FlagDefinition, spelling: string, inline: string | undefined): string => {
    if (inline !== undefined) return inline;
    const next = argv[index + 1];
    if (next === undefined || (next.startsWith("-") && next !== "-")) {
      throw new UsageError(`${spelling} needs a value (${spelling} ${flag.valueName ?? "VALUE"})`);
    }
    index++;
    return next;
  };

  for (; index < argv.length; index++) {
    const word = String(argv[index]);
    if (word === "--") {
      words.push(...argv.slice(index + 1).map(String));
      break;
    }
    if (word.startsWith("--")) {
      const equals = word.indexOf("=");
      const name = equals === -1 ? word.slice(2) : word.slice(2, equals);
      const inline = equals === -1 ? undefined : word.slice(equals + 1);
      const spelling = `--${name}`;
      const flag = byLong.get(name);
      if (flag === undefined) throw new UsageError(`unknown flag ${clip(spelling)}`);
      if (flag.type === "boolean") {
        if (inline !== undefined) throw new UsageError(`${spelling} takes no value`);
        set(flag, spelling, true);
      } else {
        set(flag, spelling, takeValue(flag, spelling, inline));
      }
      continue;
    }
    if (word.startsWith("-") && word.length > 1) {
      const letter = word[1] ?? "";
      const spelling = `-${letter}`;
      const flag = byShort.get(letter);
      if (flag === undefined) throw new UsageError(`unknown flag ${clip(word)}`);
      const rest = word.slice(2);
      if (flag.type === "boolean") {
        if (rest !== "") throw new UsageError(`unknown flag ${clip(word)}`);
        set(flag, spelling, true);
      } else {
        const inline = rest === "" ? undefined : rest.startsWith("=") ? rest.slice(1) : rest;
        set(flag, spelling, takeValue(flag, spelling, inline));
      }
      continue;
    }
    words.push(word);
  }
  const [command, ...positionals] = words;
  return { command, positionals, values, given };
}

function clip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

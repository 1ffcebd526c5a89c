import type { Client, ClientOptions } from "@stevedore/client";
import type { CliIo } from "./cli-io.js";
import type { GlobalOptions } from "./global-options.js";
import type { ParsedArguments } from "./parse-arguments.js";
import type { ProgressReporter } from "./progress/progress-reporter.js";

/** The module `@stevedore/client`, loaded on demand. */
export type ClientModule = typeof import("@stevedore/client");

/** One flag's value: `true` for a boolean flag, a string, or an array for a repeatable flag. */
export type FlagValue = ParsedArguments["values"][string];

/**
 * Flag values by long name. `FlagName` is the names a command accepts (its own and the global ones), so
 * reading a misspelt flag (`flags.concurency`) fails the type check.
 */
export type FlagValues<FlagName extends string = string> = { readonly [Name in FlagName]?: FlagValue };

/**
 * What a command's `run` gets: its arguments, the flags, output helpers and a client factory. `FlagName`:
 * see {@link FlagValues}; helpers shared by several commands take the default, every name.
 */
export interface CommandContext<FlagName extends string = string> {
  /** The command's canonical name (`copy` for `cp`). */
  command: string;
  io: CliIo;
  /** Positional arguments after the command, already counted against the command's definition. */
  arguments: readonly string[];
  /** All flag values by long name (global and the command's own). */
  flags: FlagValues<FlagName>;
  options: GlobalOptions;
  /** Aborted on SIGINT or SIGTERM; pass it to every client call. */
  signal: AbortSignal | undefined;
  /** Imports `@stevedore/client` (once; `stevedore version` and `--help` never do). */
  loadClient(): Promise<ClientModule>;
  /**
   * A client configured from the global flags. `registries` are the registry hosts the command names:
   * `-u`/`--password-stdin` become static credentials for that one registry (more than one host is a
   * `UsageError`: `copy` gives each side its own). `main` closes it.
   */
  createClient(registries: readonly string[], overrides?: Partial<ClientOptions>): Promise<Client>;
  /** The `--password-stdin` password, read once. */
  password(): Promise<string>;
  /** A text result line on stdout (nothing in `--json` mode). */
  print(line: string): Promise<void>;
  /** The JSON result on stdout (only in `--json` mode): `{"type":"result","command":…,…value}`. */
  printJson(value: Record<string, unknown>): Promise<void>;
  /** Raw bytes on stdout, with backpressure. */
  write(chunk: Uint8Array | string): Promise<void>;
  /** A progress reporter for the output mode; call `finish()` when the transfer ends. */
  progress(): ProgressReporter;
}

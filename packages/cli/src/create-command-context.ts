import type { Client, ClientOptions } from "@stevedore/client";
import { UsageError } from "@stevedore/core";
import { type CliIo, writeOutput } from "./cli-io.js";
import type { ClientModule, CommandContext } from "./command-context.js";
import { credentialsFor, distinctRegistries } from "./command-credentials.js";
import type { GlobalOptions } from "./global-options.js";
import type { ParsedArguments } from "./parse-arguments.js";
import { createProgressReporter, progressModeFor } from "./progress/create-progress-reporter.js";
import { readPassword } from "./read-password.js";

/** Inputs of {@link createCommandContext}. */
export interface CreateCommandContextOptions {
  command: string;
  io: CliIo;
  arguments: readonly string[];
  flags: ParsedArguments["values"];
  options: GlobalOptions;
  /** Every client created is added here, so `main` can close them however the command ends. */
  clients: Client[];
}

/**
 * Builds the {@link CommandContext} of one command run: output helpers for the mode (`--json`, `--quiet`),
 * and a client factory that maps the global flags onto `ClientOptions` and imports the client lazily.
 */
export function createCommandContext(init: CreateCommandContextOptions): CommandContext {
  const { io, options } = init;
  let clientModule: Promise<ClientModule> | undefined;
  let password: Promise<string> | undefined;

  const loadClient = (): Promise<ClientModule> => {
    clientModule ??= import("@stevedore/client").then((module) => {
      io.afterLoad?.(init.command);
      return module;
    });
    return clientModule;
  };
  const readPasswordOnce = (): Promise<string> => {
    password ??= readPassword(io.stdin);
    return password;
  };

  return {
    command: init.command,
    io,
    arguments: init.arguments,
    flags: init.flags,
    options,
    signal: io.signal,
    loadClient,
    password: readPasswordOnce,
    async createClient(registries, overrides = {}): Promise<Client> {
      const module = await loadClient();
      const clientOptions: ClientOptions = {
        ...io.clientOptions,
        env: io.env,
        onWarning: (warning) => {
          io.stderr.write(`stevedore: warning: ${warning.replace(/\s+/g, " ")}\n`);
        },
      };
      if (options.insecure) clientOptions.insecure = true;
      if (options.plainHttp) clientOptions.plainHttp = true;
      if (options.caFiles.length > 0) clientOptions.caFiles = options.caFiles;
      if (!options.http2) clientOptions.http2 = false;
      if (options.platforms !== undefined) clientOptions.platforms = options.platforms;
      if (options.concurrency !== undefined) clientOptions.concurrency = options.concurrency;
      if (options.debug) {
        clientOptions.onDebug = (line) => {
          io.stderr.write(`debug: ${line}\n`);
        };
      }
      if (options.username !== undefined && options.passwordStdin && registries.length > 0) {
        const named = distinctRegistries(registries);
        if (named.length > 1) {
          throw new UsageError(
            `-u/--username applies to one registry, and this command names ${named.length} (${named.join(", ")})`,
          );
        }
        clientOptions.staticCredentials = credentialsFor(named, options.username, await readPasswordOnce());
      }
      const client = module.createClient({ ...clientOptions, ...overrides });
      init.clients.push(client);
      return client;
    },
    async print(line: string): Promise<void> {
      if (!options.json) await writeOutput(io.stdout, `${line}\n`);
    },
    async printJson(value: Record<string, unknown>): Promise<void> {
      if (options.json) {
        await writeOutput(
          io.stdout,
          `${JSON.stringify({ type: "result", command: init.command, ...value })}\n`,
        );
      }
    },
    write: (chunk) => writeOutput(io.stdout, chunk),
    progress: () => createProgressReporter(progressModeFor(options, io.isTTY), io),
  };
}

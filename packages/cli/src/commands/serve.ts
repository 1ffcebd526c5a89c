import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { errorCode, LocalIoError, NetworkError, StevedoreError, UsageError } from "@stevedore/core";
import { type CommandDefinition, defineCommand } from "../command-definition.js";
import { parseWholeNumberFlag } from "../parse-whole-number-flag.js";
import { serverAuthFromFiles } from "../server-auth-from-files.js";

const defaultPort = 5000;

/** Readable reasons for the errors `listen` gives, by Node error code. */
const listenFailures: Readonly<Record<string, string>> = {
  EADDRINUSE: "the port is already in use",
  EACCES: "permission denied (ports below 1024 need privileges)",
  EADDRNOTAVAIL: "this machine has no such address",
  ENOTFOUND: "unknown host name",
  EAI_AGAIN: "the host name could not be resolved",
};

/**
 * `stevedore serve`: the embedded registry of `@stevedore/server` as a local registry, until SIGINT or
 * SIGTERM. The server module is imported only when the command runs, so other commands never load it.
 */
export const serveCommand: CommandDefinition = defineCommand({
  name: "serve",
  summary: "run a local OCI registry (in memory or in a directory) until interrupted",
  arguments: [],
  flags: [
    {
      name: "port",
      type: "string",
      valueName: "N",
      description: `port to listen on (default ${defaultPort}; 0 = any free port)`,
    },
    { name: "host", type: "string", valueName: "H", description: "address to listen on (default 127.0.0.1)" },
    {
      name: "dir",
      type: "string",
      valueName: "PATH",
      description: "keep content in this directory across restarts (default: in memory)",
    },
    {
      name: "htpasswd",
      type: "string",
      valueName: "FILE",
      description: "Basic auth: an htpasswd file (bcrypt, htpasswd -B)",
    },
    {
      name: "token-users",
      type: "string",
      valueName: "FILE",
      description: "token auth with a built-in /token endpoint: a file of user:password lines",
    },
    {
      name: "anonymous-pull",
      type: "boolean",
      description: "with --token-users: anyone may pull without credentials",
    },
    {
      name: "anonymous-mounts",
      type: "boolean",
      description: "mount a blob from any repository that holds it, whatever 'from' says",
    },
    {
      name: "referrers-page-size",
      type: "string",
      valueName: "N",
      description: "answer the referrers API N per page, linked with Link headers (default: one page)",
    },
    {
      name: "upload-timeout",
      type: "string",
      valueName: "MINUTES",
      description: "drop an upload session idle this long, with its bytes (default 15; 1–10080)",
    },
    {
      name: "max-uploads",
      type: "string",
      valueName: "N",
      description: "upload sessions open at once; past it a new upload gets 429 (default 256; 1–10000)",
    },
  ],
  relevantGlobalFlags: ["quiet", "json"],
  description:
    "Serves the OCI Distribution API (every endpoint, the referrers API included) on HOST:PORT over plain " +
    "HTTP, for tests, demos and a quick local registry. It prints 'serving http://HOST:PORT (STORAGE, auth " +
    "MODE)' on stderr once listening, then one line per request ('METHOD PATH STATUS', never credentials; " +
    "--quiet drops them); --json also prints the address as one result line on stdout. Content lives in " +
    "memory unless --dir names a directory, where acknowledged blobs survive a crash and a restart (an upload " +
    "cut short is started again by the client; what a killed server left in it is removed at start). An " +
    "upload session idle for --upload-timeout minutes is dropped, and at most --max-uploads are open at " +
    "once (then 429 with Retry-After). --htpasswd turns on Basic auth; --token-users turns on token " +
    "auth where every listed user may do everything, and --anonymous-pull lets anyone pull. Runs until " +
    "SIGINT (Ctrl-C) or SIGTERM, then closes and exits 0.",
  examples: [
    { command: "stevedore serve", description: "an in-memory registry on 127.0.0.1:5000" },
    {
      command: "stevedore serve --port 0 --dir ./registry",
      description: "any free port, content kept in ./registry",
    },
    {
      command: "stevedore serve --htpasswd auth/htpasswd",
      description: "Basic auth (htpasswd -Bbn alice s3cret > auth/htpasswd)",
    },
    {
      command: "stevedore serve --token-users users.txt --anonymous-pull",
      description: "token auth: users.txt holds alice:s3cret lines; anyone may pull",
    },
  ],
  async run(context) {
    const text = (name: keyof typeof context.flags): string | undefined => {
      const value = context.flags[name];
      return typeof value === "string" ? value : undefined;
    };
    const port = parsePort(text("port"));
    const host = text("host") ?? "127.0.0.1";
    if (host.trim() === "") throw new UsageError("--host is empty");
    const referrersPageSize = parsePageSize(text("referrers-page-size"));
    const uploadTimeout = optionalNumber(
      "upload-timeout",
      text("upload-timeout"),
      10_080,
      "a number of minutes",
    );
    const maxUploads = optionalNumber("max-uploads", text("max-uploads"), 10_000, "a number");
    const directory = await prepareDirectory(text("dir"));
    const auth = await serverAuthFromFiles({
      htpasswd: text("htpasswd"),
      tokenUsers: text("token-users"),
      anonymousPull: context.flags["anonymous-pull"] === true,
    });
    const { stderr } = context.io;
    const { createRegistryServer } = await import("@stevedore/server");
    context.io.afterLoad?.(context.command);
    const server = createRegistryServer({
      storage: directory === undefined ? "memory" : { directory },
      auth: auth.options,
      anonymousMounts: context.flags["anonymous-mounts"] === true,
      ...(referrersPageSize === undefined ? {} : { referrersPageSize }),
      ...(uploadTimeout === undefined ? {} : { uploadIdleTimeout: uploadTimeout * 60_000 }),
      ...(maxUploads === undefined ? {} : { maxUploadSessions: maxUploads }),
      ...(context.options.quiet ? {} : { log: (line: string) => void stderr.write(`${line}\n`) }),
    });
    let url: string;
    try {
      ({ url } = await server.listen(port, host));
    } catch (error) {
      // Sweeping the directory before listening failed: its own error says which file and why.
      if (StevedoreError.isInstance(error)) throw error;
      const code = errorCode(error) ?? "";
      const reason = listenFailures[code] ?? (code || "listen failed");
      throw new NetworkError(`cannot listen on ${host}:${port}: ${reason}`, { cause: error });
    }
    const storage = directory === undefined ? "memory" : `directory ${directory}`;
    try {
      stderr.write(`serving ${url} (${storage}, auth ${auth.kind})\n`);
      await context.printJson({
        url,
        storage: directory === undefined ? "memory" : { directory },
        auth: auth.kind,
      });
      await untilAborted(context.signal);
    } finally {
      await server.close();
    }
    if (!context.options.quiet) stderr.write(`stopped serving ${url}\n`);
  },
});

/** `--referrers-page-size`: a whole number from 1 to 10 000, or absent for one page. */
function parsePageSize(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  return parseWholeNumberFlag("referrers-page-size", value, { min: 1, max: 10_000, what: "a number" });
}

/** A whole-number flag from 1 to `max`, or absent. */
function optionalNumber(
  flag: string,
  value: string | undefined,
  max: number,
  what: string,
): number | undefined {
  if (value === undefined) return undefined;
  return parseWholeNumberFlag(flag, value, { min: 1, max, what });
}

function parsePort(value: string | undefined): number {
  if (value === undefined) return defaultPort;
  return parseWholeNumberFlag("port", value, { min: 0, max: 65_535, what: "a port number" });
}

/** The absolute storage directory, created when missing; `undefined` for memory storage. */
async function prepareDirectory(value: string | undefined): Promise<string | undefined> {
  if (value === undefined) return undefined;
  if (value === "") throw new UsageError("--dir is empty");
  const directory = resolve(value);
  const notDirectory = (cause: unknown): UsageError =>
    new UsageError(`--dir ${directory} cannot be used: not a directory`, { cause });
  // Not Node's recursive mkdir: it says ENOENT on a read-only mount, and never returns under /proc.
  const { makeDirectory } = await import("@stevedore/blob");
  await makeDirectory(directory).catch((cause: unknown) => {
    throw LocalIoError.isInstance(cause) && cause.systemCode === "ENOTDIR" ? notDirectory(cause) : cause;
  });
  if (!(await stat(directory)).isDirectory()) throw notDirectory(undefined);
  return directory;
}

/** Resolves when `signal` aborts; never without one (the process then runs until it is killed). */
function untilAborted(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((done) => {
    if (signal === undefined) return;
    if (signal.aborted) return done();
    signal.addEventListener("abort", () => done(), { once: true });
  });
}

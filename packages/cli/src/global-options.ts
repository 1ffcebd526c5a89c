import type { Platform } from "@stevedore/core";
import { concurrencyRange, parsePlatform, UsageError } from "@stevedore/core";
import type { FlagDefinition } from "./flag-definition.js";
import type { ParsedArguments } from "./parse-arguments.js";
import { parseWholeNumberFlag } from "./parse-whole-number-flag.js";

/** The long name of a global flag. */
export type GlobalFlagName =
  | "platform"
  | "insecure"
  | "plain-http"
  | "ca-file"
  | "no-http2"
  | "username"
  | "password-stdin"
  | "concurrency"
  | "json"
  | "quiet"
  | "debug"
  | "help"
  | "version";

/** The flags every command accepts. */
export const globalFlags: readonly FlagDefinition<GlobalFlagName>[] = [
  {
    name: "platform",
    type: "string",
    multiple: true,
    valueName: "P|all",
    description:
      "narrow an index to these platforms: os/arch[/variant], comma-separated or repeated ('all': every one, the default of pull, push and copy)",
  },
  { name: "insecure", type: "boolean", description: "skip TLS certificate verification" },
  {
    name: "plain-http",
    type: "boolean",
    description: "use plain HTTP for every registry (loopback: HTTPS if it speaks TLS, else plain HTTP)",
  },
  {
    name: "ca-file",
    type: "string",
    multiple: true,
    valueName: "FILE",
    description: "trust the CA certificates in this PEM file (repeatable)",
  },
  {
    name: "no-http2",
    type: "boolean",
    description: "HTTP/1.1 only: do not offer HTTP/2 to TLS registries (offered by default)",
  },
  {
    name: "username",
    short: "u",
    type: "string",
    valueName: "USER",
    description: "user name for the one registry the command names (with --password-stdin)",
  },
  { name: "password-stdin", type: "boolean", description: "read the password from standard input" },
  {
    name: "concurrency",
    type: "string",
    valueName: "N",
    description: `blobs transferred at once (${concurrencyRange.min}-${concurrencyRange.max}; default 8, large ones 1 per core)`,
  },
  { name: "json", type: "boolean", description: "JSON lines on stdout: progress events, then the result" },
  { name: "quiet", short: "q", type: "boolean", description: "print only results, no progress" },
  { name: "debug", type: "boolean", description: "print redacted request traces and error stacks on stderr" },
  { name: "help", short: "h", type: "boolean", description: "show help" },
  { name: "version", short: "v", type: "boolean", description: "print the version" },
];

/** The global flags, checked and typed. */
export interface GlobalOptions {
  /** `undefined`: the client's defaults (copies whole; one image: `linux/<this CPU>`). */
  platforms: Platform[] | "all" | undefined;
  insecure: boolean;
  plainHttp: boolean;
  caFiles: string[];
  /** `false` with `--no-http2`: TLS connections offer HTTP/1.1 only. */
  http2: boolean;
  username: string | undefined;
  passwordStdin: boolean;
  concurrency: number | undefined;
  json: boolean;
  quiet: boolean;
  debug: boolean;
  help: boolean;
  version: boolean;
}

/**
 * Checks and types the global flags.
 *
 * @throws UsageError or InvalidPlatformError (both exit 2) for values that cannot work.
 */
export function resolveGlobalOptions(values: ParsedArguments["values"]): GlobalOptions {
  const text = (name: string): string | undefined => {
    const value = values[name];
    return typeof value === "string" ? value : undefined;
  };
  const list = (name: string): string[] => {
    const value = values[name];
    return Array.isArray(value) ? value : typeof value === "string" ? [value] : [];
  };
  const flag = (name: string): boolean => values[name] === true;

  const username = text("username");
  const passwordStdin = flag("password-stdin");
  if (username !== undefined && username.trim() === "") throw new UsageError("-u/--username is empty");
  if (username !== undefined && !passwordStdin) {
    throw new UsageError("-u/--username needs --password-stdin (passwords are never taken as arguments)");
  }
  if (passwordStdin && username === undefined) {
    throw new UsageError("--password-stdin needs -u/--username");
  }

  return {
    platforms: resolvePlatforms(list("platform")),
    insecure: flag("insecure"),
    plainHttp: flag("plain-http"),
    caFiles: list("ca-file"),
    http2: !flag("no-http2"),
    username,
    passwordStdin,
    concurrency: resolveConcurrency(text("concurrency")),
    json: flag("json"),
    quiet: flag("quiet"),
    debug: flag("debug"),
    help: flag("help"),
    version: flag("version"),
  };
}

function resolvePlatforms(values: string[]): Platform[] | "all" | undefined {
  if (values.length === 0) return undefined;
  const items = values.flatMap((value) => value.split(",")).map((item) => item.trim());
  if (items.some((item) => item.toLowerCase() === "all")) {
    if (items.length > 1) throw new UsageError("--platform all cannot be combined with other platforms");
    return "all";
  }
  return items.map((item) => parsePlatform(item));
}

function resolveConcurrency(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  return parseWholeNumberFlag("concurrency", value, { ...concurrencyRange, what: "a whole number" });
}

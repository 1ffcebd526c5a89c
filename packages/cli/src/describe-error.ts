import {
  CredentialError,
  errorCode,
  isLoopbackHost,
  LocalFormatError,
  RegistryResponseError,
  StevedoreError,
} from "@stevedore/core";
import { ExitCode, type ExitCodeValue, exitCodeFor, hintFor } from "./exit-codes.js";

/** What the CLI reports for a failure: the exit status and the one line for stderr. */
export interface ErrorReport {
  exitCode: ExitCodeValue;
  /** `stevedore: <what failed>: <message> (<what to try>)`, without a newline. */
  line: string;
  /** For `--json`: the error's code and message (no stack, no cause). */
  json: { name: string; code: string; message: string };
}

/** Options of {@link describeError}. */
export interface DescribeErrorOptions {
  /** The command that failed, for the usage hint (`see 'stevedore help pull'`). */
  command?: string;
  /** True when the failure followed a SIGINT: reported as an interruption whatever the error was. */
  interrupted?: boolean;
}

const maxMessageLength = 1000;

/**
 * Turns any thrown value into the exit status and the single stderr line. The message is the library's
 * (which holds no secrets); the hint comes from the exit-code table, narrowed for TLS and credential
 * problems.
 *
 * @example
 * describeError(new NotFoundError("tag v9 not found"), "ls localhost:5000/app").line;
 * // "stevedore: ls localhost:5000/app: tag v9 not found (check the name, tag, digest or path)"
 */
export function describeError(error: unknown, what: string, options: DescribeErrorOptions = {}): ErrorReport {
  const exitCode = options.interrupted ? ExitCode.interrupted : exitCodeFor(error);
  const message = exitCode === ExitCode.interrupted ? "interrupted" : messageOf(error);
  const hint = hintOf(error, exitCode, message, options.command);
  const line = `stevedore: ${oneLine(what)}: ${message}${hint ? ` (${hint})` : ""}`;
  const json = StevedoreError.isInstance(error)
    ? { name: error.name, code: error.code, message }
    : { name: error instanceof Error ? error.name : "Error", code: "STEVEDORE_INTERNAL", message };
  if (exitCode === ExitCode.interrupted) json.code = "STEVEDORE_ABORTED";
  return { exitCode, line, json };
}

function messageOf(error: unknown): string {
  if (StevedoreError.isInstance(error)) return oneLine(error.message) || error.code;
  if (error instanceof Error) {
    // Not a stevedore error: a bug or an unwrapped Node error. Say which, without a stack.
    const code = errorCode(error);
    const prefix = typeof code === "string" ? `${code}: ` : `${error.name}: `;
    return oneLine(`${prefix}${error.message}`);
  }
  return oneLine(`unexpected failure: ${String(error)}`);
}

function hintOf(error: unknown, exitCode: ExitCodeValue, message: string, command?: string): string {
  switch (exitCode) {
    case ExitCode.usage:
      return command ? `see 'stevedore help ${command}'` : hintFor(exitCode);
    case ExitCode.network: {
      const listen = listenFailureCode(error);
      if (listen === "EADDRINUSE" || listen === "EACCES") {
        return "choose another port with --port N, or --port 0 for any free port";
      }
      if (listen !== undefined) return "choose another address with --host";
      if (/certificate|tls|ssl|self[- ]signed|handshake/i.test(message)) {
        return "pass --ca-file FILE for a private CA, or --insecure to skip TLS verification";
      }
      // Loopback falls back to plain HTTP by itself, so a refusal there means no server on that port.
      if (/ECONNREFUSED/.test(message) && refusedOnLoopback(message)) {
        return "nothing listens at that address: check the port, and that the registry runs";
      }
      return hintFor(exitCode);
    }
    case ExitCode.authentication:
      if (CredentialError.isInstance(error)) {
        return "check the Docker config file (DOCKER_CONFIG) and its credential helpers";
      }
      // -u is refused when a copy names two registries: point at what works for either side.
      if (command === "copy") {
        return "log in with 'stevedore login REGISTRY -u USER --password-stdin', or give a side its user with --src-username USER or --dest-username USER";
      }
      return hintFor(exitCode);
    case ExitCode.verification:
      // The bytes may be fine: the layout (blobs/, blobs/sha256/ or a blob) is a link the layout refuses.
      if (LocalFormatError.isInstance(error) && /\bblobs(\/\S*)? is a symbolic link/.test(message)) {
        return "stevedore follows no symbolic link inside a layout's blobs/, so that nothing is read or written outside the layout; put a copy of its target in its place, e.g. cp -RL";
      }
      return hintFor(exitCode);
    default:
      if (spokeHttpToHttps(error)) {
        return "the server may speak HTTPS: leave out --plain-http, and give --ca-file FILE for a private CA";
      }
      return hintFor(exitCode);
  }
}

/**
 * A bare 400 (no registry error codes) to a plain-HTTP URL: what a TLS server such as distribution answers
 * to HTTP sent to its port ("Client sent an HTTP request to an HTTPS server"), usually after --plain-http.
 */
function spokeHttpToHttps(error: unknown): boolean {
  return (
    RegistryResponseError.isInstance(error) &&
    error.status === 400 &&
    error.errors.length === 0 &&
    error.url.startsWith("http:")
  );
}

/** Whether the URL a network message names (`GET http://127.0.0.1:1/v2/ failed: …`) is on this machine. */
function refusedOnLoopback(message: string): boolean {
  const url = /\bhttps?:\/\/\S+/.exec(message)?.[0];
  if (url === undefined) return false;
  try {
    return isLoopbackHost(new URL(url).hostname);
  } catch {
    return false;
  }
}

/** The Node error code when `error` wraps a failed `listen` (`serve` on a busy port): no registry is involved. */
function listenFailureCode(error: unknown): string | undefined {
  const cause = (error as { cause?: unknown } | null)?.cause as
    | { syscall?: unknown; code?: unknown }
    | undefined;
  if (cause?.syscall !== "listen") return undefined;
  return typeof cause.code === "string" ? cause.code : "";
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > maxMessageLength ? `${flat.slice(0, maxMessageLength)}…` : flat;
}

/**
 * The command-line credentials of `copy`, each kept to the registry it is for. `-u USER --password-stdin`
 * names one registry; a copy between two registries takes `--src-username` / `--dest-username`, each with
 * its password from `--…-password-stdin` or `--…-password-file` (never argv, where `ps` shows it). One side's
 * password is never offered to the other side's host (issue: `-u` on `cp A/… B/…` reached B).
 */
import { registryHost, UsageError } from "@stevedore/core";
import type { CommandContext } from "./command-context.js";
import type { FlagDefinition } from "./command-definition.js";
import { readPasswordFile, readPasswordLines } from "./read-password.js";

/** The flags `copy` adds for per-side credentials. */
export const copyCommandFlags: readonly FlagDefinition<
  | "src-username"
  | "src-password-stdin"
  | "src-password-file"
  | "dest-username"
  | "dest-password-stdin"
  | "dest-password-file"
>[] = [
  {
    name: "src-username",
    type: "string",
    valueName: "USER",
    description: "user name for the SRC registry (with --src-password-stdin or --src-password-file)",
  },
  { name: "src-password-stdin", type: "boolean", description: "read the SRC password from standard input" },
  {
    name: "src-password-file",
    type: "string",
    valueName: "FILE",
    description: "read the SRC password from FILE",
  },
  {
    name: "dest-username",
    type: "string",
    valueName: "USER",
    description: "user name for the DST registry (with --dest-password-stdin or --dest-password-file)",
  },
  {
    name: "dest-password-stdin",
    type: "boolean",
    description: "read the DST password from standard input (the second line when SRC's is read there too)",
  },
  {
    name: "dest-password-file",
    type: "string",
    valueName: "FILE",
    description: "read the DST password from FILE",
  },
];

/** Static credentials by registry, as `ClientOptions.staticCredentials` takes them. */
export type StaticCredentials = Record<string, { username: string; password: string }>;

interface Side {
  /** `src` or `dest`, as the flags spell it. */
  flag: "src" | "dest";
  /** `SRC` or `DST`, as the help spells it. */
  name: "SRC" | "DST";
  registry: string | undefined;
  username: string | undefined;
  stdin: boolean;
  file: string | undefined;
}

/**
 * The static credentials for a copy from `source` to `destination` (each a registry name, or `undefined`
 * for a local location), from `-u` or the per-side flags. `undefined` when none were given.
 *
 * @throws UsageError for flags that cannot be honoured: `-u` with two registries, a side's user without a
 *   password source (or the reverse), per-side flags on a local side, `-u` mixed with per-side flags.
 */
export async function copyCredentials(
  context: Pick<CommandContext, "flags" | "options" | "io" | "password">,
  source: string | undefined,
  destination: string | undefined,
): Promise<StaticCredentials | undefined> {
  const text = (name: string): string | undefined => {
    const value = context.flags[name];
    return typeof value === "string" ? value : undefined;
  };
  const side = (flag: Side["flag"], name: Side["name"], registry: string | undefined): Side => ({
    flag,
    name,
    registry,
    username: text(`${flag}-username`),
    stdin: context.flags[`${flag}-password-stdin`] === true,
    file: text(`${flag}-password-file`),
  });
  const sides = [side("src", "SRC", source), side("dest", "DST", destination)];
  const given = sides.filter((s) => s.username !== undefined || s.stdin || s.file !== undefined);

  if (context.options.username !== undefined) {
    if (given.length > 0) {
      throw new UsageError("-u/--username cannot be combined with --src-username or --dest-username");
    }
    const registries = distinctRegistries([source, destination]);
    if (registries.length === 0) throw new UsageError("-u/--username: neither SRC nor DST is a registry");
    if (registries.length > 1) {
      throw new UsageError(
        `-u/--username applies to one registry, and this copy names two (${registries.join(" and ")}): ` +
          "give each its own with --src-username and --dest-username",
      );
    }
    return credentialsFor(registries, context.options.username, await context.password());
  }
  if (given.length === 0) return undefined;

  for (const s of given) checkSide(s);
  const [first, second] = given;
  if (
    first !== undefined &&
    second !== undefined &&
    registryHost(first.registry ?? "") === registryHost(second.registry ?? "")
  ) {
    throw new UsageError(
      `SRC and DST are both on ${first.registry}: give its credentials once, with -u USER --password-stdin`,
    );
  }
  const fromStdin = given.filter((s) => s.stdin);
  const lines = fromStdin.length > 0 ? await readPasswordLines(context.io.stdin, fromStdin.length) : [];
  const result: StaticCredentials = {};
  for (const s of given) {
    const password = s.stdin
      ? (lines[fromStdin.indexOf(s)] ?? "")
      : await readPasswordFile(s.file ?? "", `--${s.flag}-password-file`);
    Object.assign(result, credentialsFor([s.registry ?? ""], s.username ?? "", password));
  }
  return result;
}

/** The credentials for `registries`, keyed by the name users write and the host requests go to. */
export function credentialsFor(
  registries: readonly string[],
  username: string,
  password: string,
): StaticCredentials {
  const credentials = { username, password };
  const result: StaticCredentials = {};
  for (const registry of registries) {
    result[registry] = credentials;
    result[registryHost(registry)] = credentials;
  }
  return result;
}

/** The registries among `names`, one per host (`docker.io` and `registry-1.docker.io` are one). */
export function distinctRegistries(names: readonly (string | undefined)[]): string[] {
  const byHost = new Map<string, string>();
  for (const name of names) {
    if (name !== undefined && !byHost.has(registryHost(name))) byHost.set(registryHost(name), name);
  }
  return [...byHost.values()];
}

function checkSide(side: Side): void {
  const prefix = `--${side.flag}`;
  if (side.registry === undefined) {
    throw new UsageError(`${prefix}-username and its password flags need ${side.name} to be a registry`);
  }
  if (side.username === undefined) {
    throw new UsageError(`${prefix}-password-stdin and ${prefix}-password-file need ${prefix}-username`);
  }
  if (side.username.trim() === "") throw new UsageError(`${prefix}-username is empty`);
  if (side.stdin === (side.file !== undefined)) {
    throw new UsageError(
      `${prefix}-username needs one of ${prefix}-password-stdin or ${prefix}-password-file ` +
        "(passwords are never taken as arguments)",
    );
  }
}

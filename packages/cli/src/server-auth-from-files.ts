import { readFile } from "node:fs/promises";
import { errorCode, NotFoundError, UsageError } from "@stevedore/core";
import type { ServerAuthOptions } from "@stevedore/server";

/** The auth flags of `stevedore serve`, as given. */
export interface ServeAuthFlags {
  /** `--htpasswd FILE`: bcrypt (or `{SHA}`) htpasswd lines. */
  htpasswd?: string | undefined;
  /** `--token-users FILE`: `user:password` lines. */
  tokenUsers?: string | undefined;
  /** `--anonymous-pull`: with `--token-users`, anonymous token requests may pull. */
  anonymousPull?: boolean;
}

/** What the serve banner says about auth, and the server's auth options. */
export interface ServeAuth {
  kind: "none" | "basic" | "token";
  options: ServerAuthOptions;
}

/**
 * Turns the auth flags of `stevedore serve` into server auth options, reading the files they name.
 * `--token-users` gives every listed user every action on every repository and, with `--anonymous-pull`,
 * anonymous users `pull` (`spec/PROTOCOL.md` §11.2: the server grants the intersection with what was asked).
 * Passwords never appear in messages: a bad line is named by its number only.
 *
 * @throws UsageError for conflicting flags or a malformed file, NotFoundError for a missing file.
 * @example
 * const auth = await serverAuthFromFiles({ tokenUsers: "users.txt", anonymousPull: true });
 * auth.kind; // "token"
 */
export async function serverAuthFromFiles(flags: ServeAuthFlags): Promise<ServeAuth> {
  if (flags.htpasswd !== undefined && flags.tokenUsers !== undefined) {
    throw new UsageError("--htpasswd and --token-users cannot be combined: choose Basic or token auth");
  }
  if (flags.anonymousPull === true && flags.tokenUsers === undefined) {
    throw new UsageError("--anonymous-pull needs --token-users (Basic auth has no anonymous access)");
  }
  if (flags.htpasswd !== undefined) {
    const htpasswd = await readTextFile("--htpasswd", flags.htpasswd);
    return { kind: "basic", options: { type: "basic", htpasswd } };
  }
  if (flags.tokenUsers !== undefined) {
    const users = parseTokenUsers(await readTextFile("--token-users", flags.tokenUsers));
    const anonymous: readonly string[] = flags.anonymousPull === true ? ["pull"] : [];
    return {
      kind: "token",
      options: {
        type: "token",
        users,
        policy: (account) => (account === undefined ? anonymous : ["*"]),
      },
    };
  }
  return { kind: "none", options: { type: "none" } };
}

/** `user:password` per line; blank lines and `#` comments skipped; the password is the rest of the line. */
function parseTokenUsers(contents: string): Record<string, string> {
  const users: Record<string, string> = Object.create(null) as Record<string, string>;
  let count = 0;
  contents.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/\r$/, "");
    if (line.trim() === "" || line.trimStart().startsWith("#")) return;
    const colon = line.indexOf(":");
    const user = line.slice(0, colon).trim();
    const password = line.slice(colon + 1);
    if (colon < 1 || user === "" || password === "") {
      throw new UsageError(`--token-users line ${index + 1} is not user:password`);
    }
    users[user] = password;
    count++;
  });
  if (count === 0) throw new UsageError("--token-users names no user (expected user:password lines)");
  return users;
}

async function readTextFile(flag: string, path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    const code = errorCode(error);
    if (code === "ENOENT") throw new NotFoundError(`${flag} file ${path} does not exist`, { cause: error });
    throw new UsageError(`cannot read ${flag} file ${path} (${code ?? "read error"})`, { cause: error });
  }
}

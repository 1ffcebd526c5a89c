import { CredentialError } from "@stevedore/core";

/** One `auths` entry of a Docker `config.json` or podman `auth.json` (`spec/PROTOCOL.md` §14.2). */
export interface AuthFileEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
  registrytoken?: string;
}

/** The fields of a credentials file that matter for authentication, validated. */
export interface AuthFile {
  /** Where it came from (a path, or `DOCKER_AUTH_CONFIG`), named in errors. */
  source: string;
  auths: Record<string, AuthFileEntry>;
  /** The default credential helper suffix (`desktop` → `docker-credential-desktop`). */
  credsStore: string | undefined;
  /** Per-registry helper suffixes. */
  credHelpers: Record<string, string>;
  /** The whole parsed document, kept so a rewrite preserves fields we do not know. */
  document: Record<string, unknown>;
}

const entryFields = ["auth", "username", "password", "identitytoken", "registrytoken"] as const;
// A helper name becomes part of a program name: no path separators, nothing a shell would interpret.
const helperName = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Parses the text of a Docker `config.json` or a podman `auth.json`. An empty file is an empty config.
 *
 * @throws CredentialError naming `source` and the offending field, never a value, when the text is not JSON
 *   or a field has the wrong type (`spec/PROTOCOL.md` §14.1: report it, do not ignore or overwrite it).
 */
export function parseAuthFile(text: string, source: string): AuthFile {
  const fail = (reason: string): never => {
    throw new CredentialError(`malformed credentials file ${source}: ${reason}`);
  };
  const result: AuthFile = { source, auths: {}, credsStore: undefined, credHelpers: {}, document: {} };
  if (text.trim() === "") return result;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // No cause and no excerpt: the SyntaxError quotes the file, which holds secrets.
    return fail("not valid JSON");
  }
  if (!isObject(parsed)) return fail("not a JSON object");
  result.document = parsed;

  const auths = parsed.auths;
  if (auths !== undefined && auths !== null) {
    if (!isObject(auths)) return fail('"auths" is not an object');
    for (const [key, value] of Object.entries(auths)) {
      if (value === null) continue;
      if (!isObject(value)) return fail(`the auths entry ${describeKey(key)} is not an object`);
      const entry: AuthFileEntry = {};
      for (const field of entryFields) {
        const fieldValue = value[field];
        if (fieldValue === undefined || fieldValue === null) continue;
        if (typeof fieldValue !== "string") {
          return fail(`"${field}" of the auths entry ${describeKey(key)} is not a string`);
        }
        entry[field] = fieldValue;
      }
      result.auths[key] = entry;
    }
  }

  const credsStore = parsed.credsStore;
  if (credsStore !== undefined && credsStore !== null && credsStore !== "") {
    if (typeof credsStore !== "string" || !helperName.test(credsStore)) {
      return fail('"credsStore" is not a credential helper name');
    }
    result.credsStore = credsStore;
  }

  const credHelpers = parsed.credHelpers;
  if (credHelpers !== undefined && credHelpers !== null) {
    if (!isObject(credHelpers)) return fail('"credHelpers" is not an object');
    for (const [key, value] of Object.entries(credHelpers)) {
      if (typeof value !== "string" || !helperName.test(value)) {
        return fail(`the credHelpers entry ${describeKey(key)} is not a credential helper name`);
      }
      result.credHelpers[key] = value;
    }
  }
  return result;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Names a key when it looks like a registry host or URL; anything else might be pasted secret text. */
export function describeKey(key: string): string {
  return /^[A-Za-z0-9.:/[\]_-]{1,200}$/.test(key) ? `"${key}"` : "(a key that is not a registry name)";
}

/**
 * Internal: the server's auth modes (`spec/PROTOCOL.md` §11) — none, Basic against an htpasswd file, or
 * Bearer tokens from the built-in `/token` endpoint with a per-user scope policy. Every 401 carries the
 * scope the request needs (§16.2: the conformance suite asks for exactly that scope).
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Scope } from "@stevedore/core";
import { formatScope, parseScopeList } from "@stevedore/core";
import { header, readBody, sendJson } from "./http-helpers.js";
import { parseHtpasswd } from "./parse-htpasswd.js";
import { RegistryApiError } from "./registry-api-error.js";

/**
 * The actions `account` (undefined for an anonymous token request) may have on `scope`'s resource.
 * `"*"` grants every requested action. The server grants the intersection with what was asked (§11.2).
 */
export type TokenPolicy = (account: string | undefined, scope: Scope) => readonly string[];

/** How the server authenticates requests. */
export type ServerAuthOptions =
  | { type: "none" }
  | {
      type: "basic";
      /** Contents of an htpasswd file: bcrypt (`htpasswd -B`) or `{SHA}` lines. */
      htpasswd: string;
      /** The `realm` of the Basic challenge. Default `stevedore`. */
      realm?: string;
    }
  | {
      type: "token";
      /** Passwords by user name, checked on token requests (Basic on GET, or the OAuth2 POST form). */
      users: Record<string, string>;
      /** Default: a known user gets every action asked for, an anonymous request gets none. */
      policy?: TokenPolicy;
      /** The `service` of challenges. Default `stevedore`. */
      service?: string;
      /** The token endpoint URL of challenges. Default `<request origin>/token`. */
      realm?: string;
      /** Token lifetime. Default 300 seconds. */
      expiresInSeconds?: number;
    };

/** What the authorizer decided for one request: whether the caller may act on a scope. */
export type AccessCheck = (scope: Scope) => boolean;

/** The auth mode of a server. */
export interface Authorizer {
  /** Returns the caller's access, or throws a 401 whose challenge names `challengeScopes`. */
  authorize(
    request: IncomingMessage,
    required: readonly Scope[],
    challengeScopes: readonly Scope[],
  ): AccessCheck;
  /** Answers a request to the token endpoint; false when `pathname` is not that endpoint. */
  handleToken(request: IncomingMessage, response: ServerResponse, pathname: string): Promise<boolean>;
}

interface IssuedToken {
  account: string | undefined;
  access: Scope[];
  expiresAt: number;
}

const allowAll: AccessCheck = () => true;

/** Builds the authorizer for `options`; `now` gives token times in milliseconds. */
export function createAuthorizer(options: ServerAuthOptions, now: () => number): Authorizer {
  if (options.type === "none") {
    return { authorize: () => allowAll, handleToken: async () => false };
  }
  if (options.type === "basic") {
    const check = parseHtpasswd(options.htpasswd);
    const challenge = `Basic realm=${quote(options.realm ?? "stevedore")}`;
    return {
      authorize(request) {
        const credentials = basicCredentials(request);
        if (credentials === undefined || !check(credentials[0], credentials[1])) {
          throw unauthorized(challenge, "authentication required");
        }
        return allowAll;
      },
      handleToken: async () => false,
    };
  }
  if (options.type !== "token") throw new RegistryApiError(500, "UNKNOWN", "unknown auth type");
  const { users } = options;
  const policy: TokenPolicy = options.policy ?? ((account) => (account === undefined ? [] : ["*"]));
  const service = options.service ?? "stevedore";
  const lifetime = options.expiresInSeconds ?? 300;
  const tokens = new Map<string, IssuedToken>();

  const passwordMatches = (user: string, password: string): boolean => {
    const expected = Object.hasOwn(users, user) ? users[user] : undefined;
    if (typeof expected !== "string") return false;
    const a = Buffer.from(expected);
    const b = Buffer.from(password);
    return a.length === b.length && timingSafeEqual(a, b);
  };
  const issue = async (
    response: ServerResponse,
    account: string | undefined,
    scopes: string[],
  ): Promise<void> => {
    const issuedAt = now();
    for (const [token, entry] of tokens) if (entry.expiresAt <= issuedAt) tokens.delete(token);
    const access: Scope[] = [];
    for (const parsed of scopes.flatMap(parseScopeList)) {
      // Only action words the registry knows the shape of are granted (§11.4: lower-case, or `*`).
      const scope = { ...parsed, actions: parsed.actions.filter((action) => /^[a-z*]+$/.test(action)) };
      if (scope.actions.length === 0) continue;
      const allowed = policy(account, scope);
      const actions = allowed.includes("*")
        ? scope.actions
        : scope.actions.filter((a) => allowed.includes(a));
      if (actions.length > 0) access.push({ ...scope, actions });
    }
    const token = randomBytes(32).toString("base64url");
    tokens.set(token, { account, access, expiresAt: issuedAt + lifetime * 1000 });
    await sendJson(response, 200, {
      token,
      access_token: token,
      expires_in: lifetime,
      issued_at: new Date(issuedAt).toISOString(),
      scope: access.map(formatScope).join(" "),
    });
  };

  return {
    authorize(request, required, challengeScopes) {
      const realm = options.realm ?? `http://${header(request, "host") ?? "127.0.0.1"}/token`;
      const scopeText = challengeScopes.map(formatScope).join(" ");
      const challenge = (error?: string): string =>
        `Bearer realm=${quote(realm)},service=${quote(service)}${scopeText === "" ? "" : `,scope=${quote(scopeText)}`}${error === undefined ? "" : `,error=${quote(error)}`}`;
      const value = header(request, "authorization") ?? "";
      const token = /^bearer\s+(\S+)$/i.exec(value)?.[1];
      const entry = token === undefined ? undefined : tokens.get(token);
      if (entry === undefined || entry.expiresAt <= now()) {
        throw unauthorized(
          challenge(token === undefined ? undefined : "invalid_token"),
          "authentication required",
        );
      }
      const can: AccessCheck = (scope) =>
        scope.actions.every((action) =>
          entry.access.some(
            (granted) =>
              granted.type === scope.type &&
              granted.name === scope.name &&
              (granted.actions.includes(action) || granted.actions.includes("*")),
          ),
        );
      if (!required.every(can))
        throw unauthorized(challenge("insufficient_scope"), "token does not cover this request");
      return can;
    },
    async handleToken(request, response, pathname) {
      if (pathname !== "/token") return false;
      const url = new URL(request.url ?? "/", "http://localhost");
      if (request.method === "GET") {
        const credentials = basicCredentials(request);
        if (credentials !== undefined && !passwordMatches(credentials[0], credentials[1])) {
          await sendJson(response, 401, { errors: [{ code: "UNAUTHORIZED", message: "bad credentials" }] });
          return true;
        }
        // Several scopes come as repeated `scope=` or space-separated in one (RFC 6749 §3.3), or both.
        await issue(response, credentials?.[0], splitScopes(url.searchParams.getAll("scope")));
        return true;
      }
      if (request.method === "POST") {
        // OAuth2 password grant (§11.3): one space-separated scope field.
        const tooLarge = () => new RegistryApiError(413, "UNSUPPORTED", "token request body is too large");
        const form = new URLSearchParams(
          Buffer.from(await readBody(request, 64 * 1024, tooLarge)).toString("utf8"),
        );
        const user = form.get("username") ?? "";
        if (form.get("grant_type") !== "password" || !passwordMatches(user, form.get("password") ?? "")) {
          await sendJson(response, 401, { error: "invalid_grant" });
          return true;
        }
        await issue(response, user, splitScopes(form.getAll("scope")));
        return true;
      }
      await sendJson(response, 405, { errors: [{ code: "UNSUPPORTED", message: "use GET or POST" }] });
      return true;
    },
  };
}

function splitScopes(values: readonly string[]): string[] {
  return values.flatMap((value) => value.split(" ")).filter((scope) => scope !== "");
}

function basicCredentials(request: IncomingMessage): [string, string] | undefined {
  const match = /^basic\s+([A-Za-z0-9+/=]+)$/i.exec(header(request, "authorization") ?? "");
  if (match === null) return undefined;
  const text = Buffer.from(match[1] ?? "", "base64").toString("utf8");
  const colon = text.indexOf(":");
  return colon === -1 ? undefined : [text.slice(0, colon), text.slice(colon + 1)];
}

function quote(value: string): string {
  return `"${value.replace(/["\\]/g, "\\$&")}"`;
}

function unauthorized(challenge: string, message: string): RegistryApiError {
  return new RegistryApiError(401, "UNAUTHORIZED", message, { "WWW-Authenticate": challenge });
}

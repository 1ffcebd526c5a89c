import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TokenRequestRecord } from "../../packages/testing/src/index.ts";
import { createSigningKey } from "./create-signing-key.ts";
import { defaultPolicy, type TokenPolicy } from "./default-policy.ts";
import { parseScope, type Scope, splitScopes } from "./scope.ts";
import { signToken } from "./sign-token.ts";

export type { TokenRequestRecord };

/** Options of {@link startTokenServer}. */
export interface TokenServerOptions {
  /** Known users and their passwords. */
  users: Record<string, string>;
  /** Which actions an account may take on a resource; {@link defaultPolicy} when absent. */
  policy?: TokenPolicy;
  /** The registry's service name, the tokens' `aud`. Default `stevedore-test-registry`. */
  service?: string;
  /** The tokens' `iss`. Default `stevedore-test-token-server`. */
  issuer?: string;
  /** Token lifetime in seconds, reported as `expires_in`. Default 300; make it short for refresh tests. */
  expiresIn?: number;
  /** The loopback port to listen on; a free one when absent. */
  port?: number;
}

/** A token server listening on 127.0.0.1. */
export interface RunningTokenServer {
  /** The realm: `http://127.0.0.1:PORT/token`. */
  url: string;
  service: string;
  issuer: string;
  /** The PEM certificate that verifies the tokens (the registry's `rootcertbundle`). */
  certificatePath: string;
  /** Every token request so far, oldest first; also served as JSON at `GET /requests`. */
  requests: TokenRequestRecord[];
  /** Forgets the recorded requests (also `DELETE /requests`). */
  reset(): void;
  /** Closes the server and removes its key and certificate. */
  stop(): Promise<void>;
}

interface Grant {
  status: number;
  body: Record<string, unknown>;
}

const maximumFormBytes = 64 * 1024;

/**
 * Starts a Docker-style token server (spec/PROTOCOL.md §11.2–§11.5) for tests and benchmarks: GET `/token`
 * with optional Basic credentials, OAuth2 POST `/token` (password and refresh_token grants), ES256 JWTs with
 * `x5c` that distribution 2.8 accepts, and the intersection of requested and allowed actions.
 *
 * @example
 * const tokenServer = await startTokenServer({ users: { alice: "alice-password" } });
 * // registry config: auth.token.realm = tokenServer.url, rootcertbundle = tokenServer.certificatePath
 * await tokenServer.stop();
 */
export async function startTokenServer(options: TokenServerOptions): Promise<RunningTokenServer> {
  const users = new Map(Object.entries(options.users));
  const policy = options.policy ?? defaultPolicy;
  const service = options.service ?? "stevedore-test-registry";
  const issuer = options.issuer ?? "stevedore-test-token-server";
  const expiresIn = options.expiresIn ?? 300;
  if (!Number.isInteger(expiresIn) || expiresIn < 1) {
    throw new Error(`expiresIn must be a whole number of seconds >= 1, got ${expiresIn}`);
  }
  const directory = await mkdtemp(join(tmpdir(), "stevedore-token-server-"));
  const key = await createSigningKey(directory, issuer).catch(async (error: unknown) => {
    await rm(directory, { recursive: true, force: true });
    throw error;
  });
  const refreshTokens = new Map<string, string>();
  const requests: TokenRequestRecord[] = [];

  function authenticate(username: string, password: string): boolean {
    return users.has(username) && users.get(username) === password;
  }

  function issue(account: string | undefined, scopes: string[], refreshToken?: string): Grant {
    const access: Scope[] = [];
    for (const text of scopes) {
      const requested = parseScope(text);
      if (requested === undefined) continue;
      const allowed = policy(account, requested);
      const actions = requested.actions.filter((action) => allowed.includes(action) || allowed.includes("*"));
      if (actions.length === 0) continue;
      const same = access.find((entry) => entry.type === requested.type && entry.name === requested.name);
      if (same) same.actions = [...new Set([...same.actions, ...actions])];
      else access.push({ type: requested.type, name: requested.name, actions });
    }
    const issuedAt = new Date();
    const iat = Math.floor(issuedAt.getTime() / 1000);
    const claims = {
      iss: issuer,
      sub: account ?? "",
      aud: service,
      exp: iat + expiresIn,
      nbf: iat,
      iat,
      jti: randomUUID(),
      access,
    };
    const token = signToken(claims, key.privateKey, key.certificateBase64);
    const body: Record<string, unknown> = {
      token,
      access_token: token,
      expires_in: expiresIn,
      issued_at: issuedAt.toISOString(),
      scope: access.map((entry) => `${entry.type}:${entry.name}:${entry.actions.join(",")}`).join(" "),
    };
    if (refreshToken !== undefined) body.refresh_token = refreshToken;
    return { status: 200, body };
  }

  function newRefreshToken(account: string): string {
    const refreshToken = randomBytes(24).toString("base64url");
    refreshTokens.set(refreshToken, account);
    return refreshToken;
  }

  function handleGet(request: IncomingMessage, query: URLSearchParams, record: TokenRequestRecord): Grant {
    record.scopes = splitScopes(query.getAll("scope"));
    record.offline = query.get("offline_token") === "true";
    record.clientId = query.get("client_id") ?? undefined;
    const requestedService = query.get("service");
    if (requestedService !== null && requestedService !== service) {
      return errorBody(400, "UNSUPPORTED", `unknown service: this token server serves ${service}`);
    }
    const header = request.headers.authorization;
    if (header === undefined) return issue(undefined, record.scopes);
    const credentials = parseBasic(header);
    if (credentials === undefined) {
      return errorBody(401, "UNAUTHORIZED", "only Basic credentials are accepted on GET");
    }
    record.account = credentials.username;
    if (!authenticate(credentials.username, credentials.password)) {
      return errorBody(401, "UNAUTHORIZED", "incorrect username or password");
    }
    const refreshToken = record.offline ? newRefreshToken(credentials.username) : undefined;
    return issue(credentials.username, record.scopes, refreshToken);
  }

  function handlePost(form: URLSearchParams, record: TokenRequestRecord): Grant {
    record.scopes = splitScopes(form.getAll("scope"));
    record.grantType = form.get("grant_type") ?? undefined;
    record.clientId = form.get("client_id") ?? undefined;
    record.offline = form.get("access_type") === "offline";
    const requestedService = form.get("service");
    if (requestedService !== null && requestedService !== service) {
      return oauthError(400, "invalid_request", `unknown service: this token server serves ${service}`);
    }
    if (!record.clientId) return oauthError(400, "invalid_request", "client_id is required");
    if (record.grantType === "password") {
      const username = form.get("username") ?? "";
      record.account = username || undefined;
      if (!authenticate(username, form.get("password") ?? "")) {
        return oauthError(401, "invalid_grant", "incorrect username or password");
      }
      return issue(username, record.scopes, record.offline ? newRefreshToken(username) : undefined);
    }
    if (record.grantType === "refresh_token") {
      const refreshToken = form.get("refresh_token") ?? "";
      const account = refreshTokens.get(refreshToken);
      if (account === undefined) return oauthError(401, "invalid_grant", "unknown refresh token");
      record.account = account;
      // The same refresh token comes back (spec/PROTOCOL.md §11.3).
      return issue(account, record.scopes, refreshToken);
    }
    return oauthError(400, "unsupported_grant_type", "grant_type must be password or refresh_token");
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    if (url.pathname === "/requests") {
      if (request.method === "GET") return send(response, { status: 200, body: requests });
      if (request.method === "DELETE") {
        requests.length = 0;
        return send(response, { status: 204, body: undefined });
      }
      response.setHeader("Allow", "GET, DELETE");
      return send(response, errorBody(405, "UNSUPPORTED", "use GET or DELETE on /requests"));
    }
    if (url.pathname !== "/token") return send(response, errorBody(404, "NOT_FOUND", "no such endpoint"));
    if (request.method !== "GET" && request.method !== "POST") {
      response.setHeader("Allow", "GET, POST");
      return send(response, errorBody(405, "UNSUPPORTED", "use GET or POST on /token"));
    }
    const record: TokenRequestRecord = {
      method: request.method,
      account: undefined,
      scopes: [],
      offline: false,
      status: 0,
    };
    let grant: Grant;
    if (request.method === "GET") {
      grant = handleGet(request, url.searchParams, record);
    } else if (!(request.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded")) {
      grant = oauthError(400, "invalid_request", "the body must be application/x-www-form-urlencoded");
    } else {
      const form = await readForm(request);
      grant =
        form === undefined ? oauthError(413, "invalid_request", "form too large") : handlePost(form, record);
    }
    record.status = grant.status;
    requests.push(record);
    send(response, grant);
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      send(response, errorBody(500, "UNKNOWN", `token server failure: ${String(error)}`));
    });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
    });
  } catch (error) {
    await rm(directory, { recursive: true, force: true });
    throw new Error(`the token server could not listen on 127.0.0.1:${options.port ?? 0}: ${String(error)}`);
  }
  const { port } = server.address() as AddressInfo;
  let stopped: Promise<void> | undefined;

  return {
    url: `http://127.0.0.1:${port}/token`,
    service,
    issuer,
    certificatePath: key.certificatePath,
    requests,
    reset() {
      requests.length = 0;
    },
    stop() {
      stopped ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await closed;
        await rm(directory, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}

function parseBasic(header: string): { username: string; password: string } | undefined {
  const match = /^basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

async function readForm(request: IncomingMessage): Promise<URLSearchParams | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > maximumFormBytes) return undefined;
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

function errorBody(status: number, code: string, message: string): Grant {
  return { status, body: { errors: [{ code, message }] } };
}

function oauthError(status: number, error: string, description: string): Grant {
  return { status, body: { error, error_description: description } };
}

function send(response: ServerResponse, grant: { status: number; body: unknown }): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  if (grant.status === 401)
    response.setHeader("WWW-Authenticate", 'Basic realm="stevedore-test-token-server"');
  if (grant.body === undefined) {
    response.writeHead(grant.status).end();
    return;
  }
  const text = JSON.stringify(grant.body);
  response.writeHead(grant.status, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(text),
    "Cache-Control": "no-store",
  });
  response.end(text);
}

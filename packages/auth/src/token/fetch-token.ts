import type { Credentials, Scope } from "@stevedore/core";
import {
  AuthenticationError,
  errorCode,
  formatScope,
  InvalidResponseError,
  NetworkError,
  RegistryResponseError,
  redactUrl,
} from "@stevedore/core";
import type { Dispatcher } from "undici";
import { basicAuthorization, basicValue } from "../credentials/basic-authorization.js";
import type { TokenResponse } from "./parse-token-response.js";
import { parseTokenResponse } from "./parse-token-response.js";

/** What one token exchange needs. */
export interface FetchTokenOptions {
  dispatcher: Dispatcher;
  /** The registry host the token is for, named in errors. */
  registry: string;
  realm: URL;
  service: string | undefined;
  scopes: readonly Scope[];
  credentials: Credentials | undefined;
  /** A refresh token an earlier response returned, preferred over the identity token. */
  refreshToken: string | undefined;
  clientId: string;
  /** Use the OAuth2 password grant for username and password too (Docker's "force OAuth"). */
  forceOAuth: boolean;
  /** Milliseconds before a token request is abandoned. */
  timeout: number;
  debug: (message: string) => void;
  /** Called once per HTTP request sent to the token service. */
  onRequest: () => void;
}

/** The result of {@link fetchToken}: the parsed response and which refresh token (if any) was used. */
export interface FetchTokenResult extends TokenResponse {
  /** The kept refresh token was refused and should be forgotten. */
  refreshTokenRefused: boolean;
}

/** Statuses after which a failed OAuth2 POST is retried as GET (`spec/PROTOCOL.md` §11.3). */
const postFallbackStatuses: ReadonlySet<number> = new Set([400, 401, 404, 405]);
const maximumBodyBytes = 1024 * 1024;

/**
 * Exchanges credentials for a bearer token at the realm (`spec/PROTOCOL.md` §11.2–§11.3). With an identity or
 * refresh token (or `forceOAuth` and a password) it POSTs an OAuth2 form and falls back to GET when the POST
 * answers 400, 401, 404 or 405; otherwise it GETs the realm with `service`, one `scope` per scope, `account`,
 * and Basic credentials when it has them (none: an anonymous token).
 */
export async function fetchToken(options: FetchTokenOptions): Promise<FetchTokenResult> {
  const { credentials } = options;
  const refreshToken = options.refreshToken ?? credentials?.identityToken;
  const password = basicAuthorization(credentials) === undefined ? undefined : credentials?.password;
  let refreshTokenRefused = false;
  if (refreshToken !== undefined || (options.forceOAuth && password !== undefined)) {
    const form = new URLSearchParams();
    if (refreshToken !== undefined) {
      form.set("grant_type", "refresh_token");
      form.set("refresh_token", refreshToken);
    } else {
      form.set("grant_type", "password");
      form.set("username", credentials?.username ?? "");
      form.set("password", password ?? "");
    }
    if (options.service !== undefined) form.set("service", options.service);
    form.set("client_id", options.clientId);
    form.set("access_type", "offline");
    form.set("scope", options.scopes.map(formatScope).join(" "));
    const response = await send(
      options,
      "POST",
      options.realm,
      {
        "content-type": "application/x-www-form-urlencoded",
      },
      form.toString(),
    );
    if (!postFallbackStatuses.has(response.status)) {
      return { ...interpret(options, "POST", response, refreshToken !== undefined), refreshTokenRefused };
    }
    options.debug(`auth: POST to token realm ${options.realm.host} answered ${response.status}, trying GET`);
    refreshTokenRefused =
      options.refreshToken !== undefined && response.status !== 404 && response.status !== 405;
  }

  const url = new URL(options.realm);
  if (options.service !== undefined) url.searchParams.append("service", options.service);
  for (const scope of options.scopes) url.searchParams.append("scope", formatScope(scope));
  const headers: Record<string, string> = {};
  if (credentials?.username !== undefined && credentials.username !== "") {
    url.searchParams.append("account", credentials.username);
  }
  const basic = basicAuthorization(credentials);
  if (basic !== undefined) headers.authorization = basic;
  else if (credentials?.identityToken !== undefined) {
    // containerd's fallback for identity tokens: Basic with the identity token as the secret.
    headers.authorization = basicValue(credentials.username ?? "", credentials.identityToken);
  }
  const response = await send(options, "GET", url, headers, undefined);
  return { ...interpret(options, "GET", response, false), refreshTokenRefused };
}

interface RawResponse {
  status: number;
  contentType: string | undefined;
  text: string | undefined;
}

async function send(
  options: FetchTokenOptions,
  method: "GET" | "POST",
  url: URL,
  headers: Record<string, string>,
  body: string | undefined,
): Promise<RawResponse> {
  const timeout = AbortSignal.timeout(options.timeout);
  options.onRequest();
  options.debug(
    `auth: token request ${method} ${redactUrl(options.realm)} for ${options.registry}` +
      ` [${options.scopes.map(formatScope).join(" ")}]${headers.authorization || body ? "" : " (anonymous)"}`,
  );
  try {
    const response = await options.dispatcher.request({
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method,
      headers,
      body: body ?? null,
      signal: timeout,
    });
    const header = response.headers["content-type"];
    const contentType = Array.isArray(header) ? header[0] : header;
    if (response.statusCode < 200 || response.statusCode >= 300) {
      await response.body.dump().catch(() => undefined);
      return { status: response.statusCode, contentType, text: undefined };
    }
    let size = 0;
    const chunks: Buffer[] = [];
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maximumBodyBytes) {
        response.body.destroy();
        throw new InvalidResponseError(
          `token service at ${options.realm.host} sent a response larger than ${maximumBodyBytes} bytes`,
        );
      }
      chunks.push(chunk);
    }
    return { status: response.statusCode, contentType, text: Buffer.concat(chunks).toString("utf8") };
  } catch (error) {
    if (error instanceof InvalidResponseError) throw error;
    if (timeout.aborted) {
      throw new NetworkError(`token request to ${options.realm.host} timed out after ${options.timeout} ms`, {
        cause: error,
      });
    }
    // The cause is kept for debugging; the message names only the host and an error code, never a path.
    const code = errorCode(error);
    throw new NetworkError(
      `token request to ${options.realm.host} failed${typeof code === "string" ? ` (${code})` : ""}`,
      { cause: error },
    );
  }
}

function interpret(
  options: FetchTokenOptions,
  method: string,
  response: RawResponse,
  usedRefreshToken: boolean,
): TokenResponse {
  const { status } = response;
  const realmHost = options.realm.host;
  if (status === 401 || status === 403) {
    const credentials = options.credentials;
    const what = usedRefreshToken
      ? "the identity token was refused"
      : basicAuthorization(credentials) !== undefined
        ? "wrong username or password"
        : credentials?.identityToken !== undefined
          ? "the identity token was refused"
          : "anonymous access was refused (no credentials are configured for this registry)";
    throw new AuthenticationError(
      options.registry,
      `${what}: the token service at ${realmHost} answered ${status}`,
    );
  }
  if (status < 200 || status >= 300 || response.text === undefined) {
    throw new RegistryResponseError({ status, method, url: redactUrl(options.realm) });
  }
  return parseTokenResponse(response.text, {
    realmHost,
    ...(response.contentType === undefined ? {} : { contentType: response.contentType }),
  });
}

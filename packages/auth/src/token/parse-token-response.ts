import { InvalidResponseError } from "@stevedore/core";

/** A token service's answer (`spec/PROTOCOL.md` §11.2–§11.3), validated. */
export interface TokenResponse {
  /** The bearer token (`access_token`, or `token`). Opaque: never parsed. */
  token: string;
  /** Lifetime in seconds, at least 60 (§11.1 step 6). */
  expiresIn: number;
  /** `issued_at` in milliseconds since the epoch, when present and parseable. */
  issuedAt?: number;
  /** An OAuth2 refresh token, kept for later exchanges. */
  refreshToken?: string;
}

/** Context for the messages of {@link parseTokenResponse}: never the body, which may hold secrets. */
export interface ParseTokenResponseOptions {
  /** The host of the token realm, named in every message. */
  realmHost: string;
  /** The response's `Content-Type`, named when the body is not JSON (an HTML login page, say). */
  contentType?: string;
}

/** distribution's client raises shorter lifetimes to this, and uses it when `expires_in` is absent. */
const minimumLifetimeSeconds = 60;
// What may follow `Bearer ` in a header: visible ASCII, no spaces (token68 and common opaque tokens).
const headerSafeToken = /^[\x21-\x7e]+$/;

/**
 * Validates the body of a token response. Prefers `access_token` over `token` as distribution does, raises
 * `expires_in` to at least 60 seconds, and reads `issued_at` (RFC 3339) when it parses.
 *
 * @throws InvalidResponseError naming the realm host (never the body) when the body is not JSON, has no
 *   token, or has fields of the wrong type.
 * @example
 * parseTokenResponse('{"token":"abc","expires_in":300}', { realmHost: "auth.docker.io" });
 * // → { token: "abc", expiresIn: 300 }
 */
export function parseTokenResponse(text: string, options: ParseTokenResponseOptions): TokenResponse {
  const fail = (reason: string): never => {
    throw new InvalidResponseError(`token service at ${options.realmHost} sent ${reason}`);
  };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    // No cause: a SyntaxError quotes the text it failed on, and the text may hold a token.
    const type =
      options.contentType === undefined ? "" : ` (content type ${describeType(options.contentType)})`;
    return fail(`a response that is not JSON${type}`);
  }
  if (typeof body !== "object" || body === null || Array.isArray(body))
    return fail("JSON that is not an object");
  const fields = body as Record<string, unknown>;

  const accessToken = optionalString(fields, "access_token", fail);
  const plainToken = optionalString(fields, "token", fail);
  const token = accessToken || plainToken;
  if (token === undefined || token === "") return fail("no token (neither access_token nor token is set)");
  if (!headerSafeToken.test(token)) return fail("a token with characters that cannot go in an HTTP header");

  const expiresField = fields.expires_in;
  let expiresIn = minimumLifetimeSeconds;
  if (expiresField !== undefined && expiresField !== null) {
    if (typeof expiresField !== "number" || !Number.isFinite(expiresField)) {
      return fail("an expires_in that is not a number");
    }
    expiresIn = Math.max(minimumLifetimeSeconds, expiresField);
  }

  const response: TokenResponse = { token, expiresIn };
  const issuedField = optionalString(fields, "issued_at", fail);
  if (issuedField !== undefined) {
    const issuedAt = Date.parse(issuedField);
    if (!Number.isNaN(issuedAt)) response.issuedAt = issuedAt;
  }
  const refreshToken = optionalString(fields, "refresh_token", fail);
  if (refreshToken !== undefined && refreshToken !== "") response.refreshToken = refreshToken;
  return response;
}

function optionalString(
  fields: Record<string, unknown>,
  name: string,
  fail: (reason: string) => never,
): string | undefined {
  const value = fields[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") return fail(`a ${name} that is not a string`);
  return value;
}

function describeType(contentType: string): string {
  const type = contentType.split(";")[0]?.trim() ?? "";
  return /^[\w.+-]+\/[\w.+-]+$/.test(type) ? type : "unknown";
}

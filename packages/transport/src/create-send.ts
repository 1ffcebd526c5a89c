/**
 * `send`: authorise, dispatch, answer a 401 challenge once, map unexpected statuses to typed errors
 * (`DESIGN.md` §5, `spec/PROTOCOL.md` §11.1).
 *
 * 1. Ask the `AuthStrategy` for a header (`authorize`).
 * 2. A one-shot body cannot be sent twice, so when the strategy has no credential yet, a body-less probe
 *    `GET /v2/` on the same origin runs the challenge first (§11.1 step 7); an origin whose probe answers
 *    2xx needs no credentials and is not probed again.
 * 3. Dispatch through the composed dispatcher (redirects, retries).
 * 4. On a 401 with `WWW-Authenticate`, hand every challenge to `challenge()`; when it returns true, replay
 *    once with a fresh `authorize()` — never twice, and never a one-shot body.
 * 5. A status outside `expect` (default 2xx) is a `RegistryResponseError`. A 401 that the strategy cannot
 *    answer, or that comes back after the replay, is an `AuthenticationError` naming the registry (with the
 *    `RegistryResponseError`, and so the registry's own codes, as its `cause`): the user has to change
 *    credentials or rights, and the CLI maps it to its authentication exit code.
 */
import type { AuthRequest, AuthStrategy } from "@stevedore/core";
import {
  AbortError,
  AuthenticationError,
  RegistryResponseError,
  redactText,
  StevedoreError,
} from "@stevedore/core";
import type { Dispatcher } from "undici";
import type { DebugLog } from "./debug-log.js";
import { type PreparedRequest, prepareRequest, type TransportRequest } from "./prepare-request.js";
import { readRegistryError } from "./read-registry-error.js";
import { dispatchBody } from "./request-body.js";
import type { ResolvedTransportOptions } from "./resolve-options.js";
import { createRetryCallback } from "./retry-policy.js";
import { type SchemePolicy, untilSettledOrAborted } from "./scheme-policy.js";
import { redactedCause, toTransportError } from "./to-transport-error.js";
import { createTransportResponse, type RawResponse, type TransportResponse } from "./transport-response.js";

/** What `send` works with. */
export interface SendContext {
  resolved: ResolvedTransportOptions;
  dispatcher: Dispatcher;
  /** Where requests marked `bulk` go (the same as `dispatcher` unless h2 may be spoken). */
  bulkDispatcher: Dispatcher;
  debug: DebugLog;
  /** Sees the headers and status of every response (after redirects and retries), for warnings. */
  onHeaders: (headers: RawResponse["headers"], status: number) => void;
  /** Plain HTTP or HTTPS per origin. */
  schemes: SchemePolicy;
}

const maxRememberedOrigins = 1000;

/** Creates the `send` function of a transport. */
export function createSend(context: SendContext): (request: TransportRequest) => Promise<TransportResponse> {
  const { resolved, debug } = context;
  const anonymousOrigins = new Set<string>();
  // Per origin, the first scoped HEAD, in flight or done (see `send`).
  const firstHeads = new Map<string, Promise<void>>();

  /**
   * Sends the first `HEAD` with scopes to an origin on its own and holds back the others to that origin until
   * it has been answered. A copy starts with many existence checks at once: when the registry wants a token,
   * the first one meets the challenge (401, `spec/PROTOCOL.md` §11.1), the strategy learns it, and the
   * held-back ones go out with a token instead of each taking a 401 round trip. Docker spends a `GET /v2/`
   * before every command for this; an open registry here simply answers the first check.
   */
  async function send(request: TransportRequest): Promise<TransportResponse> {
    const checked = prepareRequest(request);
    const prepared = { ...checked, url: await context.schemes.resolve(checked.url, checked.signal) };
    if (prepared.method !== "HEAD" || prepared.scopes.length === 0) return sendPrepared(prepared);
    const origin = prepared.url.origin;
    const first = firstHeads.get(origin);
    if (first !== undefined) {
      await untilSettledOrAborted(first, prepared.signal);
      return sendPrepared(prepared);
    }
    const sent = sendPrepared(prepared);
    if (firstHeads.size < maxRememberedOrigins) {
      firstHeads.set(
        origin,
        sent.then(
          () => undefined,
          () => undefined,
        ),
      );
    }
    return sent;
  }

  async function sendPrepared(prepared: PreparedRequest): Promise<TransportResponse> {
    const authRequest: AuthRequest = {
      method: prepared.method,
      url: new URL(prepared.url.href),
      scopes: prepared.scopes,
      ...(prepared.signal ? { signal: prepared.signal } : {}),
      dispatcher: context.dispatcher,
      plainHttp: context.schemes.allowsPlainHttp(prepared.url),
    };
    const strategy = "authorization" in prepared.headers ? undefined : resolved.auth;
    let authorization = strategy ? await ask(prepared, () => strategy.authorize(authRequest)) : undefined;
    if (strategy && authorization === undefined && prepared.bodyKind === "one-shot") {
      authorization = await probe(prepared, strategy, authRequest);
    }
    let response = await attempt(prepared, authorization);
    if (response.status === 401 && strategy && !prepared.expect?.includes(401)) {
      const challenges = headerValues(response.headers["www-authenticate"]);
      if (challenges.length > 0) {
        const failure = await readRegistryError(response, resolved.errorBodyLimit, resolved.now());
        const replay = await ask(prepared, () => strategy.challenge(authRequest, challenges));
        const replayable = prepared.bodyKind !== "one-shot";
        debug({
          type: "challenge",
          method: prepared.method,
          url: prepared.url.href,
          replay: replay && replayable,
        });
        if (!replayable) throw failure;
        if (!replay)
          throw authenticationFailure(
            prepared,
            failure,
            usedCredentials(strategy, authRequest, authorization),
            challenges,
          );
        authorization = await ask(prepared, () => strategy.authorize(authRequest));
        response = await attempt(prepared, authorization);
        if (response.status === 401 && !prepared.expect?.includes(401)) {
          const again = await readRegistryError(response, resolved.errorBodyLimit, resolved.now());
          const latest = headerValues(response.headers["www-authenticate"]);
          throw authenticationFailure(
            prepared,
            again,
            usedCredentials(strategy, authRequest, authorization),
            latest,
          );
        }
      }
    }
    if (!isExpected(response.status, prepared.expect)) {
      throw await readRegistryError(response, resolved.errorBodyLimit, resolved.now());
    }
    return createTransportResponse(response);
  }

  async function probe(prepared: PreparedRequest, strategy: AuthStrategy, authRequest: AuthRequest) {
    const origin = prepared.url.origin;
    if (anonymousOrigins.has(origin)) return undefined;
    const ping: PreparedRequest = {
      ...prepared,
      method: "GET",
      url: new URL("/v2/", prepared.url),
      headers: {},
      body: undefined,
      bodyKind: "none",
      idempotent: true,
      expect: undefined,
    };
    const response = await attempt(ping, undefined);
    await response.body.dump?.().catch(() => undefined);
    debug({ type: "probe", method: ping.method, url: ping.url.href, status: response.status });
    const challenges = headerValues(response.headers["www-authenticate"]);
    if (response.status === 401 && challenges.length > 0) {
      if (!(await ask(prepared, () => strategy.challenge(authRequest, challenges)))) return undefined;
      return ask(prepared, () => strategy.authorize(authRequest));
    }
    if (response.status >= 200 && response.status < 300 && anonymousOrigins.size < maxRememberedOrigins) {
      anonymousOrigins.add(origin);
    }
    return undefined;
  }

  async function attempt(prepared: PreparedRequest, authorization: string | undefined): Promise<RawResponse> {
    const { method, url, signal } = prepared;
    if (signal?.aborted) throw new AbortError(`${method} ${url.origin} aborted`, { cause: signal.reason });
    const started = resolved.now();
    const headers: Record<string, string> = { "user-agent": resolved.userAgent, ...prepared.headers };
    if (authorization !== undefined) headers.authorization = authorization;
    const body = dispatchBody(prepared.body);
    try {
      const retry = createRetryCallback({
        options: resolved.retry,
        sleep: resolved.sleep,
        now: resolved.now,
        random: resolved.random,
        idempotent: prepared.idempotent,
        retryAfterCut: prepared.retryAfterCut,
        ...(signal ? { signal } : {}),
        onRetry: (decision, count, retryMethod, retryUrl) =>
          debug({
            type: "retry",
            method: retryMethod,
            url: retryUrl,
            attempt: count,
            delay: decision.delay,
            reason: decision.reason,
          }),
      });
      const options = {
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: method as Dispatcher.HttpMethod,
        headers,
        body: body.body as Dispatcher.DispatchOptions["body"],
        signal,
        headersTimeout: prepared.timeouts.headers ?? resolved.timeouts.headers,
        bodyTimeout: prepared.timeouts.bodyIdle ?? resolved.timeouts.bodyIdle,
        maxRedirections: prepared.followRedirects ? resolved.maxRedirections : 0,
        retryOptions: { retry },
        // undici closes the connection after every HEAD unless told otherwise; a copy HEADs every blob,
        // so that was one new TCP connection per blob (push of 500 layers: 508 connections, now 8).
        reset: false,
      };
      const raw = await (prepared.bulk ? context.bulkDispatcher : context.dispatcher).request(options);
      const history = (raw.context as { history?: readonly URL[] } | undefined)?.history ?? [];
      const finalUrl = new URL((history.at(-1) ?? url).href);
      context.onHeaders(raw.headers, raw.statusCode);
      const milliseconds = Math.max(0, resolved.now() - started);
      const redirects = Math.max(0, history.length - 1);
      debug({
        type: "response",
        method,
        url: finalUrl.href,
        status: raw.statusCode,
        milliseconds,
        redirects,
      });
      return { method, url: finalUrl, status: raw.statusCode, headers: raw.headers, body: raw.body, signal };
    } catch (error) {
      const failure = toTransportError(error, method, url, signal);
      debug({
        type: "error",
        method,
        url: url.href,
        milliseconds: Math.max(0, resolved.now() - started),
        code: failure.code,
      });
      throw failure;
    } finally {
      body.release();
    }
  }

  return send;
}

/** Runs a strategy call; anything it throws that is not a stevedore error becomes an `AuthenticationError`. */
async function ask<T>(prepared: PreparedRequest, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (StevedoreError.isInstance(error)) throw error;
    if (prepared.signal?.aborted) throw new AbortError(`${prepared.method} ${prepared.url.origin} aborted`);
    const message = redactText(error instanceof Error ? error.message : String(error)).slice(0, 200);
    throw new AuthenticationError(prepared.url.host, `the auth strategy failed: ${message}`, {
      cause: redactedCause(error),
    });
  }
}

/** Whether the header sent was the user's credentials (not an anonymous token); see `AuthStrategy.usedCredentials`. */
function usedCredentials(
  strategy: AuthStrategy,
  request: AuthRequest,
  authorization: string | undefined,
): boolean {
  if (authorization === undefined) return false;
  try {
    return strategy.usedCredentials?.(request) ?? true;
  } catch {
    return true;
  }
}

function isExpected(status: number, expect: readonly number[] | undefined): boolean {
  return expect === undefined ? status >= 200 && status < 300 : expect.includes(status);
}

function headerValues(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return (typeof value === "string" ? [value] : value).filter((item) => item.trim() !== "");
}

/**
 * The error for a 401 nobody can answer: refused credentials, missing credentials, or a token without
 * the rights the request needs (`error="insufficient_scope"`, §11.1). Holds no credential: the message is
 * built from the status, the registry's codes and the redacted URL only.
 */
function authenticationFailure(
  prepared: PreparedRequest,
  failure: StevedoreError,
  credentialsSent: boolean,
  challenges: readonly string[],
): AuthenticationError {
  const detail = RegistryResponseError.isInstance(failure)
    ? failure.errors.map((e) => e.code).join(", ")
    : "";
  const codes = detail ? ` (${detail})` : "";
  const insufficient = challenges.some((value) => /\berror\s*=\s*"?insufficient_scope/i.test(value));
  const what = `${prepared.method} ${prepared.url.pathname}`;
  const message = !credentialsSent
    ? `authentication required for ${what}${codes}: no credentials are configured for this registry, log in first`
    : insufficient
      ? `access denied for ${what}${codes}: the credentials lack the rights this needs`
      : `credentials refused for ${what}${codes}: check the username and password, or log in again`;
  return new AuthenticationError(prepared.url.host, message, { cause: failure });
}

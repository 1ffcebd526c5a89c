import { MockAgent } from "undici";

/** One request the mock token service received. */
export interface RecordedRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: string;
}

/** A reply the mock gives: a status, a body (objects are sent as JSON) and optional headers. */
export interface MockReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * A MockAgent with `disableNetConnect()` whose interceptors record every request. Each `reply` answers exactly
 * one request (unless `times` says more); an unexpected request fails with undici's MockNotMatchedError.
 */
export function createMockTokenService(origin = "https://auth.example.com"): {
  agent: MockAgent;
  requests: RecordedRequest[];
  reply: (reply: MockReply, options?: { method?: string; times?: number; origin?: string }) => void;
} {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const requests: RecordedRequest[] = [];
  const reply = (
    reply: MockReply,
    options: { method?: string; times?: number; origin?: string } = {},
  ): void => {
    const target = options.origin ?? origin;
    agent
      .get(target)
      .intercept({ path: () => true, method: options.method ?? "GET" })
      .reply((request) => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries((request.headers ?? {}) as Record<string, string>)) {
          headers[name.toLowerCase()] = String(value);
        }
        requests.push({
          method: request.method,
          url: new URL(request.path, target),
          headers,
          body: typeof request.body === "string" ? request.body : "",
        });
        const body = reply.body;
        const isJson = typeof body === "object" && body !== null;
        return {
          statusCode: reply.status,
          data: isJson ? JSON.stringify(body) : typeof body === "string" ? body : "",
          responseOptions: {
            headers: { ...(isJson ? { "content-type": "application/json" } : {}), ...reply.headers },
          },
        };
      })
      .times(options.times ?? 1);
  };
  return { agent, requests, reply };
}

/** A `Bearer` challenge as a registry sends it. */
export function bearerChallenge(parameters: Record<string, string>): string {
  return `Bearer ${Object.entries(parameters)
    .map(([key, value]) => `${key}="${value}"`)
    .join(",")}`;
}

/** Test doubles shared by the transport tests: an AuthStrategy that records its calls, a sleep that records delays, a MockAgent. */
import type { AuthRequest, AuthStrategy } from "@stevedore/core";
import { MockAgent } from "undici";

export interface AuthCall {
  kind: "authorize" | "challenge";
  method: string;
  url: string;
  scopes: string[];
  challenges?: readonly string[];
}

export interface FakeAuthOptions {
  /** The header `authorize` returns before any challenge. */
  initial?: string;
  /** The header `authorize` returns after each successful challenge, in order (the last repeats). */
  afterChallenge?: string[];
  /** What `challenge` returns. Default `true`. */
  accept?: boolean;
}

/** An AuthStrategy that records every call and hands out scripted headers. */
export function createFakeAuth(options: FakeAuthOptions = {}): { strategy: AuthStrategy; calls: AuthCall[] } {
  const calls: AuthCall[] = [];
  let current = options.initial;
  let challenges = 0;
  const describe = (request: AuthRequest) => ({
    method: request.method,
    url: request.url.href,
    scopes: request.scopes.map((scope) => `${scope.type}:${scope.name}:${scope.actions.join(",")}`),
  });
  return {
    calls,
    strategy: {
      async authorize(request) {
        calls.push({ kind: "authorize", ...describe(request) });
        return current;
      },
      async challenge(request, values) {
        calls.push({ kind: "challenge", ...describe(request), challenges: values });
        const accept = options.accept ?? true;
        if (accept) {
          const next = options.afterChallenge ?? ["Bearer token-1"];
          current = next[Math.min(challenges, next.length - 1)];
          challenges += 1;
        }
        return accept;
      },
    },
  };
}

/** A sleep that resolves at once and remembers every delay asked for. */
export function createRecordingSleep(): { sleep: (milliseconds: number) => Promise<void>; delays: number[] } {
  const delays: number[] = [];
  return {
    delays,
    sleep: async (milliseconds) => {
      delays.push(milliseconds);
    },
  };
}

/** A MockAgent that refuses real connections. */
export function createMockAgent(): MockAgent {
  const agent = new MockAgent();
  agent.disableNetConnect();
  return agent;
}

/**
 * Raw HTTP to the test token server of tools/registry (GET-form tokens, the recorded requests), so tests
 * can seed the token registry and count token requests without the code under test.
 */

/** One request the token server recorded (`GET /requests`). */
export interface TokenRequestRecord {
  method: string;
  account: string | undefined;
  scopes: string[];
  status: number;
}

/** A Bearer header value for `scopes`, fetched with Basic credentials (`spec/PROTOCOL.md` §11.2). */
export async function bearerFor(
  realm: string,
  service: string,
  scopes: readonly string[],
  username: string,
  password: string,
): Promise<string> {
  const url = new URL(realm);
  url.searchParams.set("service", service);
  for (const scope of scopes) url.searchParams.append("scope", scope);
  url.searchParams.set("account", username);
  const response = await fetch(url, {
    headers: { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}` },
  });
  const body = (await response.json()) as { token?: string; access_token?: string };
  const token = body.access_token ?? body.token;
  if (response.status !== 200 || token === undefined)
    throw new Error(`token request answered ${response.status}`);
  return `Bearer ${token}`;
}

/** The token requests recorded since the last {@link resetTokenRequests}. */
export async function readTokenRequests(realm: string): Promise<TokenRequestRecord[]> {
  const response = await fetch(new URL("/requests", realm));
  if (response.status !== 200) throw new Error(`GET /requests answered ${response.status}`);
  return (await response.json()) as TokenRequestRecord[];
}

/** Clears the recorded token requests (`DELETE /requests`). */
export async function resetTokenRequests(realm: string): Promise<void> {
  const response = await fetch(new URL("/requests", realm), { method: "DELETE" });
  await response.arrayBuffer();
  if (response.status >= 300) throw new Error(`DELETE /requests answered ${response.status}`);
}

/**
 * Plain `fetch` access to a test registry, for seeding and checking what the code under test did without
 * using that code (tools/registry/raw-client.ts does the same for tools/; packages may not import tools/).
 * Every unexpected status throws with the status and the body text. Tests only.
 */
import { createHash } from "node:crypto";

/** Where to send raw requests, and the `Authorization` to send (none for an open registry). */
export interface RawAccess {
  /** `http://127.0.0.1:PORT` */
  url: string;
  repository: string;
  authorization?: string;
}

/** What the token registry's `inject` value carries. */
export interface RawTokenService {
  realm: string;
  service: string;
}

/** `sha256:<hex>` of some bytes. */
export function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

/** A Bearer header for `scopes` (`repository:team/app:pull,push`) from the token server, as `username`. */
export async function rawBearer(
  service: RawTokenService,
  scopes: string[],
  username: string,
  password: string,
): Promise<string> {
  const url = new URL(service.realm);
  url.searchParams.set("service", service.service);
  for (const scope of scopes) url.searchParams.append("scope", scope);
  url.searchParams.set("account", username);
  const basic = Buffer.from(`${username}:${password}`).toString("base64");
  const response = await fetch(url, { headers: { authorization: `Basic ${basic}` } });
  const body = (await checked(response, "token")).toString("utf8");
  const parsed = JSON.parse(body) as { token?: string; access_token?: string };
  return `Bearer ${parsed.access_token ?? parsed.token}`;
}

/** The bytes of a blob (`GET /v2/<name>/blobs/<digest>`). */
export async function rawGetBlob(access: RawAccess, digest: string): Promise<Uint8Array> {
  const response = await fetch(`${access.url}/v2/${access.repository}/blobs/${digest}`, {
    headers: headersOf(access),
  });
  return new Uint8Array(await checked(response, `GET blob ${digest}`));
}

/** Uploads a blob monolithically (`POST`, `PUT ?digest=`); returns its digest. */
export async function rawPushBlob(access: RawAccess, bytes: Uint8Array): Promise<string> {
  const digest = sha256(bytes);
  const start = await fetch(`${access.url}/v2/${access.repository}/blobs/uploads/`, {
    method: "POST",
    headers: headersOf(access, { "content-length": "0" }),
  });
  await checked(start, "POST upload", 202);
  const location = new URL(start.headers.get("location") ?? "", access.url);
  location.searchParams.set("digest", digest);
  const put = await fetch(location, {
    method: "PUT",
    headers: headersOf(access, { "content-type": "application/octet-stream" }),
    body: bytes,
  });
  await checked(put, `PUT blob ${digest}`, 201);
  return digest;
}

/** Puts a manifest under a tag or digest; returns the response headers. */
export async function rawPutManifest(
  access: RawAccess,
  reference: string,
  bytes: Uint8Array,
  mediaType: string,
): Promise<Headers> {
  const response = await fetch(`${access.url}/v2/${access.repository}/manifests/${reference}`, {
    method: "PUT",
    headers: headersOf(access, { "content-type": mediaType }),
    body: bytes,
  });
  await checked(response, `PUT manifest ${reference}`, 201);
  return response.headers;
}

/** A manifest by tag or digest, as stored, with its `Content-Type`. */
export async function rawGetManifest(
  access: RawAccess,
  reference: string,
): Promise<{ bytes: Uint8Array; mediaType: string | null }> {
  const accept = [
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.docker.distribution.manifest.v2+json",
  ].join(", ");
  const response = await fetch(`${access.url}/v2/${access.repository}/manifests/${reference}`, {
    headers: headersOf(access, { accept }),
  });
  const bytes = new Uint8Array(await checked(response, `GET manifest ${reference}`));
  return { bytes, mediaType: response.headers.get("content-type") };
}

function headersOf(access: RawAccess, extra: Record<string, string> = {}): Record<string, string> {
  return access.authorization === undefined ? extra : { ...extra, authorization: access.authorization };
}

async function checked(response: Response, what: string, status = 200): Promise<Buffer> {
  const body = Buffer.from(await response.arrayBuffer());
  if (response.status !== status) {
    throw new Error(`${what}: HTTP ${response.status} ${body.toString("utf8").slice(0, 300)}`);
  }
  return body;
}

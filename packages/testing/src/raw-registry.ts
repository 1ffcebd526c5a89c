/**
 * Raw registry HTTP helpers over the global `fetch`, for seeding and inspecting test registries without any
 * stevedore package (an integration test must not use the code it tests to prepare its data).
 * Every failure throws a {@link RawResponseError} holding the status and the body text.
 */
import { createHash, randomBytes } from "node:crypto";
import { gzipSync } from "node:zlib";
import { tarWithFile } from "./tar-with-file.ts";

/** A registry answered with an unexpected status. */
export class RawResponseError extends Error {
  readonly status: number;
  /** The response body as text (registry error JSON, usually). */
  readonly body: string;
  constructor(what: string, status: number, body: string) {
    super(`${what}: HTTP ${status} ${body.slice(0, 500)}`);
    this.name = "RawResponseError";
    this.status = status;
    this.body = body;
  }
}

/** An OCI descriptor, as the helpers return it. */
export interface RawDescriptor {
  mediaType: string;
  digest: string;
  size: number;
}

/** The answer of a token server (spec/PROTOCOL.md §11.2). */
export interface TokenResponse {
  /** `access_token` or `token`, whichever was sent. */
  token: string;
  expires_in?: number;
  issued_at?: string;
  refresh_token?: string;
  scope?: string;
}

/** `Basic base64(username:password)`. */
export function basicAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
}

/** `Bearer token`. */
export function bearerAuthorization(token: string): string {
  return `Bearer ${token}`;
}

/** `sha256:<hex>` of some bytes. */
export function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

/** Options of {@link fetchToken}. */
export interface FetchTokenOptions {
  realm: string;
  service: string;
  scopes: string[];
  /** With `password`: sent as Basic credentials. Anonymous without. */
  username?: string;
  password?: string;
  /** Ask for a refresh token too (`offline_token=true&client_id=…`). */
  offline?: boolean;
}

/** Gets a token with the GET form of the token endpoint (spec/PROTOCOL.md §11.2). */
export async function fetchToken(options: FetchTokenOptions): Promise<TokenResponse> {
  const url = new URL(options.realm);
  url.searchParams.set("service", options.service);
  for (const scope of options.scopes) url.searchParams.append("scope", scope);
  if (options.username !== undefined) url.searchParams.set("account", options.username);
  if (options.offline) {
    url.searchParams.set("offline_token", "true");
    url.searchParams.set("client_id", "stevedore-tests");
  }
  const headers: Record<string, string> = {};
  if (options.username !== undefined) {
    headers.authorization = basicAuthorization(options.username, options.password ?? "");
  }
  const response = await fetch(url, { headers });
  const text = await response.text();
  if (response.status !== 200) throw new RawResponseError(`GET ${options.realm}`, response.status, text);
  const body = JSON.parse(text) as Omit<TokenResponse, "token"> & { token?: string; access_token?: string };
  const token = body.access_token ?? body.token;
  if (token === undefined) throw new RawResponseError(`GET ${options.realm} gave no token`, 200, text);
  return { ...body, token };
}

/** A Bearer header value for `scopes` from a token service, fetched with Basic credentials. */
export async function bearerFor(
  service: { realm: string; service: string },
  scopes: string[],
  username: string,
  password: string,
): Promise<string> {
  const { token } = await fetchToken({ ...service, scopes, username, password });
  return bearerAuthorization(token);
}

/** One request the test token server (tools/token-server) answered, for tests that count token requests. */
export interface TokenRequestRecord {
  method: string;
  /** The username given (Basic, `username` or the refresh token's owner); `undefined` when anonymous. */
  account: string | undefined;
  /** The requested scopes, one string per scope, as sent. */
  scopes: string[];
  /** `grant_type` of an OAuth2 POST. */
  grantType?: string;
  /** `client_id`, when sent. */
  clientId?: string;
  /** Whether a refresh token was asked for (`offline_token=true` or `access_type=offline`). */
  offline: boolean;
  /** The status the token server answered with. */
  status: number;
}

/** The token requests a test token server has recorded (`GET /requests` next to the realm). */
export async function readTokenRequests(realm: string): Promise<TokenRequestRecord[]> {
  const response = await fetch(new URL("/requests", realm));
  const text = await response.text();
  if (response.status !== 200) throw new RawResponseError(`GET ${realm} requests`, response.status, text);
  return JSON.parse(text) as TokenRequestRecord[];
}

/** Clears the token requests a test token server has recorded (`DELETE /requests`). */
export async function resetTokenRequests(realm: string): Promise<void> {
  const response = await fetch(new URL("/requests", realm), { method: "DELETE" });
  const text = await response.text();
  if (response.status >= 300) throw new RawResponseError(`DELETE ${realm} requests`, response.status, text);
}

/** Where to push: the registry URL, the repository and an optional `Authorization` header value. */
export interface RawTarget {
  /** `http://127.0.0.1:PORT` */
  url: string;
  repository: string;
  authorization?: string;
}

function headersFor(target: RawTarget, extra: Record<string, string> = {}): Record<string, string> {
  return target.authorization === undefined ? extra : { ...extra, authorization: target.authorization };
}

/**
 * Uploads a blob monolithically: `POST /v2/<name>/blobs/uploads/` then `PUT <location>&digest=`
 * (spec/PROTOCOL.md §4.1). Resolves with the descriptor the registry confirmed.
 */
export async function pushBlob(
  target: RawTarget,
  bytes: Uint8Array,
  mediaType = "application/octet-stream",
): Promise<RawDescriptor> {
  const digest = sha256(bytes);
  const start = await fetch(`${target.url}/v2/${target.repository}/blobs/uploads/`, {
    method: "POST",
    headers: headersFor(target, { "content-length": "0" }),
  });
  const startBody = await start.text();
  const location = start.headers.get("location");
  if (start.status !== 202 || location === null) {
    throw new RawResponseError(`POST blob upload to ${target.repository}`, start.status, startBody);
  }
  const uploadUrl = new URL(location, target.url);
  uploadUrl.searchParams.set("digest", digest);
  const finish = await fetch(uploadUrl, {
    method: "PUT",
    headers: headersFor(target, { "content-type": "application/octet-stream" }),
    body: bytes,
  });
  const finishBody = await finish.text();
  if (finish.status !== 201) {
    throw new RawResponseError(`PUT blob ${digest} to ${target.repository}`, finish.status, finishBody);
  }
  const confirmed = finish.headers.get("docker-content-digest");
  if (confirmed !== digest) {
    throw new RawResponseError(`PUT blob ${digest} confirmed as ${confirmed}`, finish.status, finishBody);
  }
  return { mediaType, digest, size: bytes.length };
}

/** Puts a manifest under a tag or digest; resolves with the response headers (`OCI-Subject` …). */
export async function putManifest(
  target: RawTarget,
  reference: string,
  bytes: Uint8Array,
  mediaType: string,
): Promise<Headers> {
  const response = await fetch(`${target.url}/v2/${target.repository}/manifests/${reference}`, {
    method: "PUT",
    headers: headersFor(target, { "content-type": mediaType }),
    body: bytes,
  });
  const text = await response.text();
  if (response.status !== 201) {
    throw new RawResponseError(`PUT manifest ${target.repository}:${reference}`, response.status, text);
  }
  return response.headers;
}

/** Puts a manifest under a tag or digest and checks the digest the registry reported. */
export async function pushManifest(
  target: RawTarget,
  reference: string,
  bytes: Uint8Array,
  mediaType: string,
): Promise<RawDescriptor> {
  const headers = await putManifest(target, reference, bytes, mediaType);
  const digest = sha256(bytes);
  const confirmed = headers.get("docker-content-digest");
  if (confirmed !== digest) throw new RawResponseError(`PUT manifest confirmed as ${confirmed}`, 201, "");
  return { mediaType, digest, size: bytes.length };
}

/** The bytes of a blob (`GET /v2/<name>/blobs/<digest>`). */
export async function getBlob(target: RawTarget, digest: string): Promise<Uint8Array> {
  const response = await fetch(`${target.url}/v2/${target.repository}/blobs/${digest}`, {
    headers: headersFor(target),
  });
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (response.status !== 200) {
    throw new RawResponseError(`GET blob ${digest}`, response.status, Buffer.from(bytes).toString("utf8"));
  }
  return bytes;
}

const manifestTypes = [
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
].join(", ");

/** A manifest as fetched: exact bytes, `Content-Type` and `Docker-Content-Digest`. */
export interface RawManifest {
  bytes: Uint8Array;
  mediaType: string | null;
  digest: string | null;
}

/** Gets a manifest by tag or digest, accepting the OCI and Docker schema 2 types. */
export async function getManifest(target: RawTarget, reference: string): Promise<RawManifest> {
  const response = await fetch(`${target.url}/v2/${target.repository}/manifests/${reference}`, {
    headers: headersFor(target, { accept: manifestTypes }),
  });
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (response.status !== 200) {
    throw new RawResponseError(
      `GET manifest ${target.repository}:${reference}`,
      response.status,
      Buffer.from(bytes).toString("utf8"),
    );
  }
  return {
    bytes,
    mediaType: response.headers.get("content-type"),
    digest: response.headers.get("docker-content-digest"),
  };
}

/** The status (200, 404 …) a `HEAD` of a manifest gets, for checks that must not go through the code under test. */
export async function manifestStatus(target: RawTarget, reference: string): Promise<number> {
  const response = await fetch(`${target.url}/v2/${target.repository}/manifests/${reference}`, {
    method: "HEAD",
    headers: headersFor(target, { accept: manifestTypes }),
  });
  return response.status;
}

/** The sha256 of the bytes the registry serves for a manifest `reference`. */
export async function manifestDigest(target: RawTarget, reference: string): Promise<string> {
  return sha256((await getManifest(target, reference)).bytes);
}

/** The bytes of an OCI image manifest for a config and layers, serialised compactly. */
export function imageManifest(config: RawDescriptor, layers: RawDescriptor[]): Uint8Array {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config,
      layers,
    }),
  );
}

/** What {@link seedImage} pushed. */
export interface SeededImage {
  /** The exact manifest bytes. */
  manifest: Uint8Array;
  /** The manifest's descriptor (its digest is the image digest). */
  descriptor: RawDescriptor;
  config: RawDescriptor;
  layers: RawDescriptor[];
}

/**
 * Pushes a small, real single-layer linux/amd64 image (gzip tar layer, OCI config with the right `diff_ids`)
 * with fresh random content, and tags it.
 *
 * @example
 * const image = await seedImage({ url: registry.url, repository: "team/app", authorization }, "v1");
 */
export async function seedImage(target: RawTarget, tag: string): Promise<SeededImage> {
  const tar = tarWithFile("seed.bin", randomBytes(256));
  const layer = await pushBlob(target, gzipSync(tar), "application/vnd.oci.image.layer.v1.tar+gzip");
  const configBytes = Buffer.from(
    JSON.stringify({
      architecture: "amd64",
      os: "linux",
      config: {},
      rootfs: { type: "layers", diff_ids: [sha256(tar)] },
    }),
  );
  const config = await pushBlob(target, configBytes, "application/vnd.oci.image.config.v1+json");
  const manifest = imageManifest(config, [layer]);
  const descriptor = await pushManifest(target, tag, manifest, "application/vnd.oci.image.manifest.v1+json");
  return { manifest, descriptor, config, layers: [layer] };
}

/** How the registry authenticates clients. */
export type RegistryAuthConfig =
  | { kind: "none" }
  | { kind: "htpasswd"; path: string }
  | { kind: "token"; realm: string; service: string; issuer: string; rootCertificateBundle: string };

/** Input of {@link registryConfig}. */
export interface RegistryConfigOptions {
  port: number;
  storageDirectory: string;
  auth: RegistryAuthConfig;
  /** Sent back in an `X-Stevedore-Registry` header on every response, so a start-up probe knows it reached this process. */
  instance: string;
  /** Serve HTTPS with this certificate and key (PEM file paths) instead of plain HTTP. */
  tls?: { certificate: string; key: string };
  /** Write one access-log line per request to stdout (what `RunningRegistry.accessLog` counts). */
  accessLog?: boolean;
  /** Keep blobs in this S3 bucket (path-style, sigv4) instead of `storageDirectory`, with redirects on. */
  s3?: S3StorageConfig;
}

/** An S3 bucket for distribution's `s3` storage driver. */
export interface S3StorageConfig {
  /** `http://127.0.0.1:PORT`: with a `regionendpoint`, distribution 2.8 uses path-style URLs. */
  endpoint: string;
  bucket: string;
  accessKey: string;
  secretKey: string;
}

// JSON strings are valid YAML double-quoted scalars, so every value goes through JSON.stringify.
const quote = (value: string): string => JSON.stringify(value);

/**
 * The YAML configuration of a distribution 2.8 registry for tests: filesystem storage, deletes enabled,
 * loopback only, warnings only (and no access log unless asked), no cache, no redis, no notifications, no upload purging in the background
 * (spec TOOLCHAIN.md "Real services for tests").
 */
export function registryConfig(options: RegistryConfigOptions): string {
  const lines = [
    "version: 0.1",
    "log:",
    "  level: warn",
    "  formatter: text",
    "  accesslog:",
    `    disabled: ${options.accessLog !== true}`,
    "storage:",
    ...(options.s3 === undefined
      ? ["  filesystem:", `    rootdirectory: ${quote(options.storageDirectory)}`]
      : [
          "  s3:",
          `    region: ${quote("us-east-1")}`,
          `    regionendpoint: ${quote(options.s3.endpoint)}`,
          `    bucket: ${quote(options.s3.bucket)}`,
          `    accesskey: ${quote(options.s3.accessKey)}`,
          `    secretkey: ${quote(options.s3.secretKey)}`,
          "    secure: false",
          "    v4auth: true",
          `    rootdirectory: ${quote("/")}`,
          // Blob GET/HEAD answer 307 to a presigned storage URL, as Docker Hub, ECR and GHCR do.
          "  redirect:",
          "    disable: false",
        ]),
    "  delete:",
    "    enabled: true",
    "  maintenance:",
    "    uploadpurging:",
    "      enabled: false",
    ...(options.s3 === undefined ? [] : ["health:", "  storagedriver:", "    enabled: false"]),
    "http:",
    `  addr: ${quote(`127.0.0.1:${options.port}`)}`,
    // A fixed secret keeps the registry from warning that it made one up.
    `  secret: ${quote("stevedore-test-registry-secret")}`,
    "  headers:",
    "    X-Content-Type-Options: [nosniff]",
    `    X-Stevedore-Registry: [${quote(options.instance)}]`,
  ];
  if (options.tls !== undefined) {
    lines.push(
      "  tls:",
      `    certificate: ${quote(options.tls.certificate)}`,
      `    key: ${quote(options.tls.key)}`,
    );
  }
  const auth = options.auth;
  if (auth.kind === "htpasswd") {
    lines.push(
      "auth:",
      "  htpasswd:",
      `    realm: ${quote("stevedore-test-registry")}`,
      `    path: ${quote(auth.path)}`,
    );
  } else if (auth.kind === "token") {
    lines.push(
      "auth:",
      "  token:",
      `    realm: ${quote(auth.realm)}`,
      `    service: ${quote(auth.service)}`,
      `    issuer: ${quote(auth.issuer)}`,
      `    rootcertbundle: ${quote(auth.rootCertificateBundle)}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

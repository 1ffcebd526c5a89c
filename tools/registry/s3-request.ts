import { createHash, createHmac } from "node:crypto";

/** Where and as whom {@link s3Request} talks: an S3 endpoint (path-style) and a key pair. */
export interface S3Endpoint {
  /** `http://127.0.0.1:PORT` */
  url: string;
  accessKey: string;
  secretKey: string;
  /** Default `us-east-1`. */
  region?: string;
}

const hash = (data: string | Uint8Array): string => createHash("sha256").update(data).digest("hex");
const hmac = (key: string | Buffer, data: string): Buffer => createHmac("sha256", key).update(data).digest();

// RFC 3986 unreserved characters stay; everything else is %XX, as AWS Signature Version 4 requires.
const encodeSegment = (segment: string): string =>
  encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * One S3 request signed with AWS Signature Version 4 in the `Authorization` header (path-style,
 * `/BUCKET/KEY`, no query). The payload hash goes in `x-amz-content-sha256` too: radosgw refuses a
 * signature without it. Enough to create a bucket and write or delete an object at bring-up.
 */
export async function s3Request(
  endpoint: S3Endpoint,
  method: "PUT" | "GET" | "DELETE" | "HEAD",
  path: string,
  body: Uint8Array = new Uint8Array(),
): Promise<Response> {
  const url = new URL(endpoint.url);
  const region = endpoint.region ?? "us-east-1";
  const amzDate = new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d+/, "");
  const day = amzDate.slice(0, 8);
  const payloadHash = hash(body);
  const canonicalPath = path.split("/").map(encodeSegment).join("/");
  const headers: Record<string, string> = {
    host: url.host,
    "x-amz-content-sha256": payloadHash,
    "x-amz-date": amzDate,
  };
  const signedHeaders = Object.keys(headers).sort().join(";");
  const canonicalHeaders = Object.keys(headers)
    .sort()
    .map((name) => `${name}:${headers[name]}\n`)
    .join("");
  const canonicalRequest = [method, canonicalPath, "", canonicalHeaders, signedHeaders, payloadHash].join(
    "\n",
  );
  const scope = `${day}/${region}/s3/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, hash(canonicalRequest)].join("\n");
  let key = hmac(`AWS4${endpoint.secretKey}`, day);
  for (const part of [region, "s3", "aws4_request"]) key = hmac(key, part);
  const signature = createHmac("sha256", key).update(stringToSign).digest("hex");
  const { host: _host, ...sent } = headers;
  return fetch(new URL(canonicalPath, url), {
    method,
    headers: {
      ...sent,
      authorization: `AWS4-HMAC-SHA256 Credential=${endpoint.accessKey}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
    },
    ...(body.length > 0 && { body }),
  });
}

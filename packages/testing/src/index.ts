// Test helpers shared by the packages' tests. Private, never published; `pnpm layers` lets only test files
// (`*.test.ts`, `test-support/`) import it. Node built-ins only, so tools/ can run it under type stripping.
export { type Closable, closeAfter } from "./close-after.ts";
export { createCertificate, type TestCertificate } from "./create-certificate.ts";
export { type CuttingProxy, startCuttingProxy } from "./cutting-proxy.ts";
export {
  basicAuthorization,
  bearerAuthorization,
  bearerFor,
  type FetchTokenOptions,
  fetchToken,
  getBlob,
  getManifest,
  imageManifest,
  manifestDigest,
  manifestStatus,
  pushBlob,
  pushManifest,
  putManifest,
  type RawDescriptor,
  type RawManifest,
  RawResponseError,
  type RawTarget,
  readTokenRequests,
  resetTokenRequests,
  type SeededImage,
  seedImage,
  sha256,
  type TokenRequestRecord,
  type TokenResponse,
} from "./raw-registry.ts";
export {
  type Handler,
  type RecordedRequest,
  startRecordingServer,
  type TestServer,
} from "./recording-server.ts";
export { rejection } from "./rejection.ts";
export {
  closeServer,
  listen,
  type ScriptedHandler,
  type ScriptedReply,
  type ScriptedRequest,
  type ScriptedServer,
  startScriptedServer,
} from "./scripted-server.ts";
export { tarHeader, tarWithFile } from "./tar-with-file.ts";
export {
  blobCount,
  createTestImage,
  freshTestLayout,
  readLayoutBlobs,
  seedTestImage,
  type TestBlob,
  type TestChild,
  type TestImage,
  type TestLayoutFixture,
  useTestLayout,
  writeTestLayout,
} from "./test-image.ts";
export { uniqueName } from "./unique-name.ts";
export { type TestHook, temporaryDirectories, useTemporaryDirectory } from "./use-temporary-directory.ts";

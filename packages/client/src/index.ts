export type {
  ByteStream,
  CredentialProvider,
  Credentials,
  Descriptor,
  Platform,
  ProgressEvent,
  Reference,
} from "@stevedore/core";
export {
  AbortError,
  AuthenticationError,
  CredentialError,
  DigestMismatchError,
  formatPlatform,
  formatReference,
  hostPlatform,
  InvalidDigestError,
  InvalidHeaderError,
  InvalidPlatformError,
  InvalidReferenceError,
  InvalidResponseError,
  LocalFormatError,
  LocalIoError,
  ManifestError,
  NetworkError,
  NotFoundError,
  parsePlatform,
  parseReference,
  RegistryResponseError,
  SizeMismatchError,
  StevedoreError,
  UploadError,
  UsageError,
} from "@stevedore/core";
export type { ImageChanges, ImageFile, LayerInput } from "@stevedore/image";
export type { Compression } from "@stevedore/tar";
export type {
  ArtifactFile,
  AttachCallOptions,
  CreateIndexCallOptions,
  EditIndexCallOptions,
  IndexResult,
  PullArtifactCallOptions,
  PullArtifactResult,
  PushArtifactCallOptions,
  PushArtifactResult,
  ReferrerNode,
  ReferrersTreeCallOptions,
} from "./artifact-verbs.js";
export type {
  AppendCallOptions,
  Client,
  CopyCallOptions,
  CopyOutcome,
  CredentialStoreResult,
  DeleteResult,
  EditCallOptions,
  EditOutcome,
  FlattenCallOptions,
  InspectResult,
  MutateCallOptions,
} from "./client.js";
export type { ClientOptions } from "./client-options.js";
export { createClient } from "./create-client.js";
export type { Location } from "./parse-location.js";
export { parseLocation } from "./parse-location.js";

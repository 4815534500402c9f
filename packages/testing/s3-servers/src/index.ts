export {
  CAPABILITIES,
  S3_SERVER_KINDS,
  type S3Capabilities,
  type S3ServerInfo,
  type S3ServerKind,
  type S3TestServer,
  type StartOptions,
} from './types.js';
export { createS3Client, s3ClientConfig, serverInfo, uniqueBucketName } from './client.js';
export { assertCephInstalled, startCephRgw, type CephRgwOptions } from './ceph.js';
export { s3rverBin, startS3rver, type S3rverOptions } from './s3rver.js';
export {
  checkDockerEngine,
  DEFAULT_MINIO_IMAGE,
  DockerUnreachableError,
  startMinioContainer,
  type MinioContainerOptions,
} from './minio.js';
export { DEFAULT_S3_SERVERS, S3_SERVERS_ENV, selectS3Servers, startS3Server, startS3Servers } from './select.js';
export { DROPPED_ENV_VARS, freePort, serverEnv } from './process.js';
export { PROVIDED_KEY } from './provided.js';

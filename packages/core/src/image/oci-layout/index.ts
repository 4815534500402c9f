/**
 * The OCI image layout transport: `oci:<dir>[:<tag>]` directories as image
 * sources and sinks, compatible with skopeo, umoci and buildx. Built on
 * node:fs only.
 * @module
 */
export { openOciLayoutSource, type OciLayoutSourceOptions } from './oci-layout-source.js';
export { openOciLayoutSink, type OciLayoutSinkOptions } from './oci-layout-sink.js';

import type { BackendPlugin } from '@s3lo/core/storage';
export declare const plugin: BackendPlugin;
export default plugin;

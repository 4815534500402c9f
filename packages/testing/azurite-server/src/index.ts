export { DEV_ACCOUNT, DEV_ACCOUNT_KEY, azuriteBlobBin, connectionString, freePort, startAzurite, type AzuriteInfo, type AzuriteServer } from './azurite.js';
export { PROVIDED_KEY } from './provided.js';

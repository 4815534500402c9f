'use strict';
// Starts firebase-tools' storage emulator (the GCS JSON API and the Firebase
// API on one Express app) without its Java rules runtime: `StorageEmulator.start()`
// would download and run a jar, so only its app is built and served here.
// Usage: node storage-emulator.cjs PORT [PROJECT_ID [SCRATCH_DIR]]
// SCRATCH_DIR: a directory of the caller's (its TMPDIR for us) removed when
// we exit because the caller died without stopping us.
// Prints "listening http://127.0.0.1:PORT" once it accepts connections.
// Its temporary blobs go under os.tmpdir() (the harness points TMPDIR at a
// directory of its own and removes it).
const fs = require('node:fs');
const http = require('node:http');
const { StorageEmulator } = require('firebase-tools/lib/emulator/storage');
const { createApp } = require('firebase-tools/lib/emulator/storage/server');
const { EmulatorRegistry } = require('firebase-tools/lib/emulator/registry');

const port = Number(process.argv[2]);
const projectId = process.argv[3] || 'demo-s3lo';
const scratchDir = process.argv[4];
if (!Number.isInteger(port) || port < 1) {
  console.error('usage: storage-emulator.cjs PORT [PROJECT_ID]');
  process.exit(2);
}

async function main() {
  // No rules file: the GCS JSON API is served with admin credentials and
  // never consults rules (those apply to the Firebase API only).
  const emulator = new StorageEmulator({ projectId, host: '127.0.0.1', port, rules: { name: 'none', content: '' }, auto_download: false });
  // Upload URLs are built from the registry's host and port.
  EmulatorRegistry.set('storage', emulator);
  const app = await createApp(projectId, emulator);
  // The SDK puts the JSON API under /storage/v1 when given an apiEndpoint
  // (and not under STORAGE_EMULATOR_HOST); the emulator routes some calls
  // (rewrite, metadata updates) only without that prefix.
  const server = http.createServer((req, res) => {
    if (req.url.startsWith('/storage/v1/')) req.url = req.url.slice('/storage/v1'.length);
    app(req, res);
  });
  server.listen(port, '127.0.0.1', () => {
    process.stdout.write(`listening http://127.0.0.1:${port}\n`);
  });
  server.on('error', (error) => {
    console.error(`cannot listen on 127.0.0.1:${port}: ${error.message}`);
    process.exit(1);
  });
  const stop = () => server.close(() => process.exit(0));
  // The test run that started us may be killed outright (no exit hook runs):
  // when our parent changes (re-parented to init), nobody will stop us.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid === parent) return;
    if (scratchDir) fs.rmSync(scratchDir, { recursive: true, force: true });
    process.exit(0);
  }, 1000).unref();
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error) => {
  console.error(error?.stack ?? String(error));
  process.exit(1);
});

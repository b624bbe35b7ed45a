import { serve } from '@hono/node-server';
import { startApiHarness } from './test/api/fixtures/api-harness.js';
import { getFreePort } from './test/support/free-port.js';
const harness = await startApiHarness();
const port = await getFreePort();
const server = serve({ fetch: harness.app.fetch, port, hostname: '127.0.0.1' });
console.log(`READY ${port}`);
const stop = async () => { server.close(); await harness.teardown(); process.exit(0); };
process.on('SIGTERM', stop); process.on('SIGINT', stop);

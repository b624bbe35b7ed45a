/** Temporal's time-skipping test server for workflow tests (test/workflow). */
import { TestWorkflowEnvironment, type TimeSkippingTestWorkflowEnvironmentOptions } from '@temporalio/testing';
import { registerSearchAttributes } from '../dev/register-search-attributes.js';
import { toolPath } from './tool-paths.js';

// The SDK gives the server 5 s to accept connections (a constant in sdk-core) and kills it after;
// a JVM starting on a loaded 2-core machine can take longer, so a start that timed out is retried.
const START_ATTEMPTS = 3;

/**
 * Starts the time-skipping test server from TEMPORAL_TEST_SERVER_PATH (provisioned by
 * dev/provision.sh; the SDK passes it a free port), connects to it and registers the product's
 * search attributes (it refuses workflows that set unknown ones). Call `env.teardown()` after.
 */
export async function createTimeSkippingEnv(
  options: TimeSkippingTestWorkflowEnvironmentOptions = {},
): Promise<TestWorkflowEnvironment> {
  const env = await startServer(options);
  try {
    await registerSearchAttributes(env.connection);
  } catch (error) {
    await env.teardown();
    throw error;
  }
  return env;
}

async function startServer(options: TimeSkippingTestWorkflowEnvironmentOptions): Promise<TestWorkflowEnvironment> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await TestWorkflowEnvironment.createTimeSkipping({
        ...options,
        server: {
          ...options.server,
          executable: { type: 'existing-path', path: toolPath('TEMPORAL_TEST_SERVER_PATH') },
        },
      });
    } catch (error) {
      const startupTimeout = error instanceof Error && /did not start within/.test(error.message);
      if (!startupTimeout || attempt === START_ATTEMPTS) throw error;
    }
  }
}

/** Temporal's time-skipping test server for workflow tests (test/workflow). */
import { TestWorkflowEnvironment, type TimeSkippingTestWorkflowEnvironmentOptions } from '@temporalio/testing';
import { registerSearchAttributes } from '../../dev/register-search-attributes.js';
import { toolPath } from './tool-paths.js';

/**
 * Starts the time-skipping test server from TEMPORAL_TEST_SERVER_PATH (provisioned by
 * dev/provision.sh; the SDK passes it a free port), connects to it and registers the product's
 * search attributes (it refuses workflows that set unknown ones). Call `env.teardown()` after.
 */
export async function createTimeSkippingEnv(
  options: TimeSkippingTestWorkflowEnvironmentOptions = {},
): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    ...options,
    server: {
      ...options.server,
      executable: { type: 'existing-path', path: toolPath('TEMPORAL_TEST_SERVER_PATH') },
    },
  });
  try {
    await registerSearchAttributes(env.connection);
  } catch (error) {
    await env.teardown();
    throw error;
  }
  return env;
}

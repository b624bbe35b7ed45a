/** Temporal's time-skipping test server for workflow tests (test/workflow). */
import { TestWorkflowEnvironment, type TimeSkippingTestWorkflowEnvironmentOptions } from '@temporalio/testing';
import { toolPath } from './tool-paths.js';

/**
 * Starts the time-skipping test server from TEMPORAL_TEST_SERVER_PATH (provisioned by
 * dev/provision.sh; the SDK passes it a free port) and connects to it. Call `env.teardown()` after.
 */
export async function createTimeSkippingEnv(
  options: TimeSkippingTestWorkflowEnvironmentOptions = {},
): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createTimeSkipping({
    ...options,
    server: {
      ...options.server,
      executable: { type: 'existing-path', path: toolPath('TEMPORAL_TEST_SERVER_PATH') },
    },
  });
}

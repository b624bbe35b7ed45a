/** The `temporal` CLI (TEMPORAL_CLI_PATH) run against a test server, as an operator would run it. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { toolPath } from './tool-paths.js';

const run = promisify(execFile);

/**
 * Runs `temporal <args> --address <address>` and answers its output. Asynchronously: a worker in
 * this process must keep answering the queries the CLI sends.
 */
export async function temporalCli(address: string, args: string[]): Promise<string> {
  const { stdout } = await run(toolPath('TEMPORAL_CLI_PATH'), [...args, '--address', address], {
    timeout: 30_000,
    maxBuffer: 32 * 1024 * 1024,
  });
  return stdout;
}

/** Runs `temporal <args> --address <address> --output json` and answers its output parsed as JSON. */
export async function temporalCliJson<T>(address: string, args: string[]): Promise<T> {
  return JSON.parse(await temporalCli(address, [...args, '--output', 'json'])) as T;
}

/** A workflow as `temporal workflow list --output json` prints it (the fields the tests read). */
export interface ListedWorkflow {
  execution: { workflowId: string; runId: string };
  status: string;
}

/** The ids of the workflows `temporal workflow list --query <query>` finds. */
export async function listWorkflowIds(address: string, query: string): Promise<string[]> {
  const listed = await temporalCliJson<ListedWorkflow[] | null>(address, ['workflow', 'list', '--query', query]);
  return (listed ?? []).map((workflow) => workflow.execution.workflowId).sort();
}

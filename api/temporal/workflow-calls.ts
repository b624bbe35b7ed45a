/**
 * The API's calls to Temporal, in one place: each under its deadline, a start that happens once per
 * business key and remembers the request that made it, and an update that tells a workflow that has
 * finished from one that never existed. The booking and setup routes use them; the hold's next action reads through them.
 */
import {
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  type Client,
  type WorkflowExecutionDescription,
  type WorkflowHandle,
  type WorkflowStartOptions,
} from '@temporalio/client';
import { WorkflowNotFoundError, type QueryDefinition, type UpdateDefinition, type Workflow } from '@temporalio/common';
import type { ApiConfig } from '../../config/env.js';

/** The settings the calls read: their deadlines and the task queue workflows start on. */
export type WorkflowCallsConfig = Pick<
  ApiConfig,
  'TEMPORAL_RPC_TIMEOUT_MS' | 'BOOKING_UPDATE_TIMEOUT_MS' | 'TEMPORAL_TASK_QUEUE'
>;

/** What an update answers when its workflow has finished: nothing will ever take it. */
export const CLOSED = 'closed';

/** The request that started a workflow, as its memo keeps it: a repeated request is told from a different one. */
export interface RequestFingerprint {
  memoKey: string;
  value: string;
}

/** A start that happens once per workflow id; the calls add the task queue, the id policies and the memo. */
export interface OnceStart<T extends Workflow> {
  workflowType: string;
  options: Omit<WorkflowStartOptions<T>, 'taskQueue' | 'workflowIdConflictPolicy' | 'workflowIdReusePolicy' | 'memo'>;
  fingerprint: RequestFingerprint;
}

/** The call's answer, or null when Temporal has no such workflow. */
export async function orNullWhenNotFound<T>(call: () => Promise<T>): Promise<T | null> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return null;
    throw error;
  }
}

/** The API's Temporal client with its deadlines: one instance per sub-app. */
export class WorkflowCalls {
  constructor(
    private readonly temporal: Client,
    private readonly config: WorkflowCallsConfig,
  ) {}

  /** A call the cluster answers at once (describe, query, start), refused after TEMPORAL_RPC_TIMEOUT_MS. */
  withRpcDeadline<T>(call: () => Promise<T>): Promise<T> {
    return this.temporal.withDeadline(Date.now() + this.config.TEMPORAL_RPC_TIMEOUT_MS, call);
  }

  /** A call the workflow itself answers (an update), refused after BOOKING_UPDATE_TIMEOUT_MS. */
  withUpdateDeadline<T>(call: () => Promise<T>): Promise<T> {
    return this.temporal.withDeadline(Date.now() + this.config.BOOKING_UPDATE_TIMEOUT_MS, call);
  }

  /** The handle of a workflow; no call is made. */
  handle(workflowId: string): WorkflowHandle {
    return this.temporal.workflow.getHandle(workflowId);
  }

  /** Queries a workflow, also once it has finished (the query replays it on a worker). */
  query<Ret, Args extends unknown[]>(
    workflowId: string,
    query: QueryDefinition<Ret, Args>,
    ...args: Args
  ): Promise<Ret> {
    const handle = this.handle(workflowId);
    return this.withRpcDeadline(() => handle.query(query, ...args));
  }

  /** Describes a workflow (its latest run): status, search attributes, memo. Not billed as an action. */
  describe(workflowId: string): Promise<WorkflowExecutionDescription> {
    const handle = this.handle(workflowId);
    return this.withRpcDeadline(() => handle.describe());
  }

  /** The fingerprint of the request that started the workflow, from its memo ('' when it has none). */
  async startFingerprint(workflowId: string, memoKey: string): Promise<string> {
    const handle = this.handle(workflowId);
    const description = await this.withRpcDeadline(() => handle.describe());
    const fingerprint = description.memo?.[memoKey];
    return typeof fingerprint === 'string' ? fingerprint : '';
  }

  /**
   * Starts a workflow once per workflow id, with the request's fingerprint in its memo: never beside a
   * running one (FAIL), never again after it finished (REJECT_DUPLICATE). False when the id was already
   * started, by this same request or by another: compare their fingerprints to tell.
   */
  async startOnce<T extends Workflow>({ workflowType, options, fingerprint }: OnceStart<T>): Promise<boolean> {
    try {
      await this.withRpcDeadline(() =>
        this.temporal.workflow.start<T>(workflowType, {
          ...options,
          ...this.onceStartOptions(fingerprint),
          workflowIdConflictPolicy: 'FAIL',
        } as WorkflowStartOptions<T>),
      );
      return true;
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) return false;
      throw error;
    }
  }

  /**
   * Starts the workflow once per workflow id, or finds the running one (USE_EXISTING), and waits for
   * its answer to `update` (update-with-start). A workflow that has finished is never started again
   * (REJECT_DUPLICATE): `finalAnswer` answers for it, and when that finds nothing the refusal stands.
   */
  async updateWithStartOnce<T extends Workflow, Ret>(
    update: UpdateDefinition<Ret, []>,
    { workflowType, options, fingerprint }: OnceStart<T>,
    finalAnswer: () => Promise<Ret | null>,
  ): Promise<Ret> {
    const startWorkflowOperation = new WithStartWorkflowOperation<T>(workflowType, {
      ...options,
      ...this.onceStartOptions(fingerprint),
      workflowIdConflictPolicy: 'USE_EXISTING',
    } as WorkflowStartOptions<T> & { workflowIdConflictPolicy: 'USE_EXISTING' });
    try {
      return await this.withUpdateDeadline(() =>
        this.temporal.workflow.executeUpdateWithStart(update, { startWorkflowOperation }),
      );
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      const finished = await finalAnswer();
      if (finished === null) throw error;
      return finished;
    }
  }

  /**
   * Sends an update; CLOSED when the workflow has finished. Temporal reports an update on a closed
   * workflow as WorkflowNotFoundError, so only describing it tells "finished" from "never existed"
   * (which stays a WorkflowNotFoundError).
   */
  async updateOrClosed<Answer>(
    workflowId: string,
    send: (handle: WorkflowHandle) => Promise<Answer>,
  ): Promise<Answer | typeof CLOSED> {
    const handle = this.handle(workflowId);
    try {
      return await this.withUpdateDeadline(() => send(handle));
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
      const description = await this.withRpcDeadline(() => handle.describe());
      if (description.status.name !== 'RUNNING') return CLOSED;
      // The workflow was between runs (continue-as-new) when the update arrived: its next run takes it.
      return await this.withUpdateDeadline(() => send(handle));
    }
  }

  /**
   * Sends an update to a workflow the caller has just found (by a query that succeeded): a
   * WorkflowNotFoundError now means it has finished since, so the answer is CLOSED.
   */
  async updateFoundWorkflow<Answer>(
    workflowId: string,
    send: (handle: WorkflowHandle) => Promise<Answer>,
  ): Promise<Answer | typeof CLOSED> {
    try {
      return await this.withUpdateDeadline(() => send(this.handle(workflowId)));
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return CLOSED;
      throw error;
    }
  }

  /** The options every once-per-id start shares: its task queue, no second run, the request's fingerprint. */
  private onceStartOptions({ memoKey, value }: RequestFingerprint) {
    return {
      taskQueue: this.config.TEMPORAL_TASK_QUEUE,
      workflowIdReusePolicy: 'REJECT_DUPLICATE' as const,
      memo: { [memoKey]: value },
    };
  }
}

/**
 * The production topology as a bench target (`BENCH_TARGETS=cluster`): Temporal's four services as
 * separate processes on PostgreSQL, two API processes (each with its relay on the one inbox) and
 * two worker processes, from harness/cluster.ts (the topology the cluster tests start). The
 * bench drives it as it drives a reused stack: through the first API's HTTP surface, the
 * database and the emulator, with the memory of both workers and the CPU of every process read.
 */
import { startTestCluster, type TestCluster } from '../harness/cluster.js';
import type { BenchTarget } from './bench-target.js';
import { residentBytes } from './local-process.js';
import { openReusedTarget } from './reused-target.js';

/** Wraps a running cluster; `owned` targets stop it when the bench is done. */
export async function clusterBenchTarget(
  cluster: TestCluster,
  log: (line: string) => void,
  { owned }: { owned: boolean },
): Promise<BenchTarget> {
  const reached = await openReusedTarget(
    {
      apiUrl: cluster.apis[0].url,
      apiToken: cluster.secrets.apiToken,
      temporalAddress: cluster.temporalAddress,
      temporalNamespace: cluster.namespace,
      databaseUrl: cluster.postgres.url,
      stripeApiUrl: cluster.emulatorUrl,
      webhookSecret: cluster.secrets.stripeWebhookSecret,
      payloadCodecKeys: cluster.secrets.payloadCodecKeys,
      workerHealthAddress: new URL(cluster.workers[0].healthUrl).host,
    },
    log,
  );
  const processLabels = new Map<number, string>([[process.pid, 'load generator (the bench process)']]);
  for (const [service, running] of Object.entries(cluster.services))
    processLabels.set(running.child.pid, `Temporal ${service} service`);
  processLabels.set(cluster.emulator.child.pid, 'Stripe emulator');
  for (const worker of cluster.workers)
    processLabels.set(worker.child.pid, `booking workers (${cluster.workers.length} processes)`);
  for (const api of cluster.apis)
    processLabels.set(api.child.pid, `APIs and their relays (${cluster.apis.length} processes)`);
  return {
    ...reached,
    stack: { kind: 'cluster', apis: cluster.apis.length, workers: cluster.workers.length },
    relay: {
      unmeasured: `not measured on the cluster: each of its ${cluster.apis.length} APIs runs its relay in its own process`,
    },
    relayInterval: `every 200 ms in each of the ${cluster.apis.length} APIs; production default 1 s`,
    // Workflows are spread over both workers' caches: their memory together.
    workerMemory: {
      rssBytes: () => cluster.workers.reduce((sum, worker) => sum + residentBytes(worker.child.pid), 0),
    },
    processLabels,
    outlivesRun: !owned,
    async stop() {
      await reached.stop();
      if (owned) await cluster.stop();
    },
  };
}

/** Starts the topology for the bench, two APIs and two workers, and wraps it. */
export async function startedClusterTarget(log: (line: string) => void): Promise<BenchTarget> {
  const cluster = await startTestCluster({ workers: 2, apis: 2 });
  try {
    return await clusterBenchTarget(cluster, log, { owned: true });
  } catch (error) {
    await cluster.stop();
    throw error;
  }
}

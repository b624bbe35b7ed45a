/**
 * Test layers live in folders under `test/` and run as vitest projects:
 * unit, workflow (time-skipping server), contract (stripe-mock, OpenAPI, compose), api and replay
 * share two workers; integration (real dev server, Postgres, worker, API, emulator) runs after
 * them, one file at a time, because each file starts its own servers on a 2-core machine; cluster
 * (the production topology, issue 14) next; chaos (fault and bad-input scenarios from chaos/) runs
 * last, the same way.
 * Select a layer with `npm test -- --project unit`.
 */
import { defineConfig } from 'vitest/config';

const parallelLayers = ['unit', 'workflow', 'contract', 'api', 'replay'] as const;

export default defineConfig({
  test: {
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    teardownTimeout: 60_000,
    passWithNoTests: true,
    exclude: ['**/node_modules/**', '.data/**', 'coverage/**'],
    projects: [
      ...parallelLayers.map((layer) => ({
        extends: true as const,
        test: { name: layer, include: [`test/${layer}/**/*.test.ts`] },
      })),
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          sequence: { groupOrder: 1 },
        },
      },
      {
        // The production topology (Temporal's services as processes on PostgreSQL, two APIs, two
        // workers) started once for the layer's one file, whose blocks take its processes away in turn.
        extends: true,
        test: {
          name: 'cluster',
          include: ['test/cluster/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 180_000,
          sequence: { groupOrder: 2 },
        },
      },
      {
        // Fault and bad-input scenarios (chaos/) at CI scale; `npm run chaos` runs them larger.
        extends: true,
        test: {
          name: 'chaos',
          include: ['test/chaos/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 180_000,
          sequence: { groupOrder: 3 },
        },
      },
    ],
  },
});

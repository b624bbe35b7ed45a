/**
 * Which folder may import which (docs/STRUCTURE.md explains each rule). Checked by `npm test`
 * (test/unit/structure.test.ts) and by `npm run structure`.
 */
const PRODUCT = '^(workflows|activities|api|inbox|db|worker|stripe|telemetry|codec|config|notifications|ops|client)/';
const TOOLING = '^(harness|bench|chaos|dev|emulator|test)/';

/**
 * What code outside workflows/ may load of a workflow area at run time: its contract, its story, the
 * search attributes, and the ACH target-date rule the API also checks requests against.
 */
const WORKFLOW_SURFACE =
  '^workflows/([^/]+/contract|[^/]+/[a-z-]+-story|booking/search-attribute-sync|booking/ach-target-date|common/search-attributes)[.]ts$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'imports-resolve',
      comment: 'Every import resolves to a file or a package (otherwise the rules below would see nothing).',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'workflows-are-deterministic',
      comment:
        'Workflow code is bundled and replayed: it imports workflows/, @temporalio/workflow and @temporalio/common only, anything else as types.',
      severity: 'error',
      from: { path: '^workflows/' },
      to: {
        pathNot: ['^workflows/', '^node_modules/@temporalio/(workflow|common)/'],
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'workflows-through-their-contract',
      comment:
        'Outside workflows/ and the worker that bundles them, a workflow area is used through its contract (names, types, defaults), its story and the search attributes; the workflow functions themselves only as types.',
      severity: 'error',
      from: { pathNot: ['^workflows/', '^worker/', '^test/'] },
      to: { path: '^workflows/', pathNot: WORKFLOW_SURFACE, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'nothing-below-api-imports-api',
      comment: 'api/ is the top of the product: nothing else in the product imports from it.',
      severity: 'error',
      from: { path: PRODUCT, pathNot: '^api/' },
      to: { path: '^api/' },
    },
    {
      name: 'api-does-not-run-activities-or-workers',
      comment: 'The API talks to Temporal and Postgres; activities run only in the worker.',
      severity: 'error',
      from: { path: '^api/' },
      to: { path: '^(activities|worker)/' },
    },
    {
      name: 'only-the-worker-hosts-activities',
      comment: 'Activities are registered by the worker; the inbox, the stores and the Stripe client do not call them.',
      severity: 'error',
      from: { path: PRODUCT, pathNot: '^(activities|worker|workflows)/' },
      to: { path: '^activities/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'the-inbox-is-below-the-worker',
      comment:
        'Only ops tooling starts from the worker; inbox/, db/, stripe/, telemetry/, config/, codec/, notifications/ never import it.',
      severity: 'error',
      from: { path: PRODUCT, pathNot: '^(worker|ops|api)/' },
      to: { path: '^worker/' },
    },
    {
      name: 'stores-are-leaves',
      comment: 'db/ holds the Postgres stores: it imports config, telemetry and contract types only.',
      severity: 'error',
      from: { path: '^db/' },
      to: { path: '^(inbox|activities|stripe|codec|notifications)/' },
    },
    {
      name: 'product-without-tooling',
      comment: 'Product code never imports the harness, tests, bench, chaos, dev tooling or the Stripe emulator.',
      severity: 'error',
      from: { path: PRODUCT },
      to: { path: TOOLING },
    },
    {
      name: 'tooling-without-tests',
      comment: 'The harness, bench, chaos and dev tooling stand on their own: they never import the test tree.',
      severity: 'error',
      from: { path: '^(harness|bench|chaos|dev|emulator)/' },
      to: { path: '^test/' },
    },
    {
      name: 'emulator-is-stripe',
      comment: "The Stripe emulator models Stripe: it knows nothing of the product (config's shared parsing aside).",
      severity: 'error',
      from: { path: '^emulator/' },
      to: { path: PRODUCT, pathNot: '^config/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|[.]data|coverage)/' },
    tsPreCompilationDeps: true,
    // Worktrees link node_modules from another checkout: keep package paths as the repository sees them.
    preserveSymlinks: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json', '.d.ts'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      exportsFields: ['exports'],
      mainFields: ['module', 'main', 'types'],
    },
  },
};

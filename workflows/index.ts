/** Workflow entry point bundled by the worker: every workflow type this task queue runs. */
export { bookingWorkflow } from './booking-workflow.js';
export { paymentMethodSetupWorkflow } from './payment-method-setup-workflow.js';
export { reconciliationWorkflow } from './reconciliation-workflow.js';

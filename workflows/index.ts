/** Workflow entry point bundled by the worker: every workflow type this task queue runs. */
export { bookingWorkflow } from './booking/booking-workflow.js';
export { paymentMethodSetupWorkflow } from './setup/payment-method-setup-workflow.js';
export { reconciliationWorkflow } from './reconciliation/reconciliation-workflow.js';

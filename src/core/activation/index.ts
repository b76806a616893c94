/** Activation: plan, activate, cancel, deactivate, extend and renew, and what an external provider reports back. */
export { activate, cancel, planActivation, type ActivateInput, type ActivateResult, type ActivationPlan } from './activate.js';
export { deactivate } from './deactivate.js';
export { extend, planExtension, type ExtendInput, type ExtendResult, type ExtensionPlan } from './extend.js';
export { completeGrant, failGrant, revokeFailed } from './grants.js';

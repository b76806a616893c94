/** Security alerts: the rules (pure), and the scan, dismissal and listing that keep them. */
export { DEFAULT_ALERT_SETTINGS, evaluateRules, lookbackMs, type AlertSnapshot } from './rules.js';
export { alertView, channelDelivered, countOpenAlerts, dismissAlert, listAlerts, raiseChannelFailing, scanAlerts, syncOutsidePim, type AlertScanResult, type OutsideGrant } from './scan.js';
export { dismissable } from './dismissable.js';
export { alertItems, reviewable, reviewTarget } from './act.js';

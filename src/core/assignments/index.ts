/** Assignments: what people hold and have asked for, admin assign and remove, and the config's bootstrap. */
export { assign, remove, type AssignInput } from './admin.js';
export { bootstrap, type BootstrapItem } from './bootstrap.js';
export { getRequest, myRequests, myRoles, type RoleStatus } from './reads.js';

/** MFA enrolment. */
export { enrollMfa } from './enroll.js';

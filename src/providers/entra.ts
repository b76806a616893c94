/**
 * Microsoft Entra ID grants through Microsoft Graph, as Entra PIM makes them itself:
 *
 * - a directory role (`target: <roleDefinitionId>[@<directoryScopeId>]`):
 *   `POST /roleManagement/directory/roleAssignmentScheduleRequests` with `adminAssign` and a
 *   `scheduleInfo` ending when the activation ends, so Entra ends it too even if the bot is down;
 *   `adminRemove` on an early end; `roleAssignmentScheduleInstances` for `list`;
 * - a group ("PIM for Groups", `target: group:<groupId>[:member|:owner]`):
 *   `POST /identityGovernance/privilegedAccess/group/assignmentScheduleRequests` with the
 *   `accessId`, and `assignmentScheduleInstances` for `list`.
 *
 * The principal is its Entra object id (`directory.users[].entra`, default its Teams id).
 */
import { DeliveryError } from '../core/index.js';
import { parseEntraTarget, type EntraTarget, type MicrosoftApp } from './config.js';
import { justification as justifyAs, MicrosoftClient, resourceScope, type MicrosoftError } from './microsoft.js';
import type { RoutedGrant, TargetProvider } from './routing.js';

export interface EntraProviderOptions extends MicrosoftApp {
  /** Graph base URL with its version (default https://graph.microsoft.com/v1.0). */
  graphUrl: string;
  now?: () => Date;
}

/** Graph's answers when what was asked already holds. */
const EXISTS = /RoleAssignmentExists|AlreadyExists|AssignmentExists/i;
const GONE = /RoleAssignmentDoesNotExist|DoesNotExist|NotFound/i;

const ROLE_REQUESTS = '/roleManagement/directory/roleAssignmentScheduleRequests';
const ROLE_INSTANCES = '/roleManagement/directory/roleAssignmentScheduleInstances';
const GROUP_REQUESTS = '/identityGovernance/privilegedAccess/group/assignmentScheduleRequests';
const GROUP_INSTANCES = '/identityGovernance/privilegedAccess/group/assignmentScheduleInstances';

/** OData string literal: quotes doubled. */
const literal = (s: string): string => `'${s.replaceAll("'", "''")}'`;

export class EntraProvider implements TargetProvider {
  readonly name = 'entra';
  readonly inline = false;
  readonly identity = 'entra' as const;
  private readonly client: MicrosoftClient;
  private readonly graph: string;
  private readonly now: () => Date;

  constructor(options: EntraProviderOptions) {
    this.graph = options.graphUrl.replace(/\/+$/, '');
    this.now = options.now ?? (() => new Date());
    this.client = new MicrosoftClient(options, resourceScope(this.graph), this.now);
  }

  async grant(g: RoutedGrant): Promise<void> {
    const { target, principalId } = this.parse(g);
    const now = this.now();
    const scheduleInfo = {
      startDateTime: now.toISOString(),
      expiration: g.endsAt ? { type: 'afterDateTime', endDateTime: g.endsAt.toISOString() } : { type: 'noExpiration' },
    };
    const justification = justifyAs(g, 'granted');
    await this.client.call(
      target.kind === 'role'
        ? {
            method: 'POST',
            url: `${this.graph}${ROLE_REQUESTS}`,
            body: { action: 'adminAssign', justification, roleDefinitionId: target.roleDefinitionId, directoryScopeId: target.directoryScopeId, principalId, scheduleInfo },
            what: `entra adminAssign of role ${target.roleDefinitionId} to ${principalId}`,
            accept: (e) => e.status === 400 && EXISTS.test(e.code),
          }
        : {
            method: 'POST',
            url: `${this.graph}${GROUP_REQUESTS}`,
            body: { action: 'adminAssign', justification, accessId: target.accessId, groupId: target.groupId, principalId, scheduleInfo },
            what: `entra adminAssign of group ${target.groupId} (${target.accessId}) to ${principalId}`,
            accept: (e) => e.status === 400 && EXISTS.test(e.code),
          },
    );
  }

  async revoke(g: RoutedGrant): Promise<void> {
    const { target, principalId } = this.parse(g);
    const justification = justifyAs(g, 'ended');
    const gone = (e: MicrosoftError) => (e.status === 400 || e.status === 404) && GONE.test(e.code);
    await this.client.call(
      target.kind === 'role'
        ? {
            method: 'POST',
            url: `${this.graph}${ROLE_REQUESTS}`,
            body: { action: 'adminRemove', justification, roleDefinitionId: target.roleDefinitionId, directoryScopeId: target.directoryScopeId, principalId },
            what: `entra adminRemove of role ${target.roleDefinitionId} from ${principalId}`,
            accept: gone,
          }
        : {
            method: 'POST',
            url: `${this.graph}${GROUP_REQUESTS}`,
            body: { action: 'adminRemove', justification, accessId: target.accessId, groupId: target.groupId, principalId },
            what: `entra adminRemove of group ${target.groupId} (${target.accessId}) from ${principalId}`,
            accept: gone,
          },
    );
  }

  /** The object ids holding the role (or group access) now: its active schedule instances. */
  async list(text: string | null): Promise<string[]> {
    const target = text === null ? null : parseEntraTarget(text);
    if (!target) return [];
    const filter =
      target.kind === 'role'
        ? `roleDefinitionId eq ${literal(target.roleDefinitionId)} and directoryScopeId eq ${literal(target.directoryScopeId)}`
        : `groupId eq ${literal(target.groupId)} and accessId eq ${literal(target.accessId)}`;
    const path = target.kind === 'role' ? ROLE_INSTANCES : GROUP_INSTANCES;
    const items = await this.client.all<{ principalId?: string }>(`${this.graph}${path}?$filter=${encodeURIComponent(filter)}`, `entra list of ${text}`);
    return [...new Set(items.map((i) => i.principalId?.toLowerCase()).filter((p): p is string => Boolean(p)))];
  }

  private parse(g: RoutedGrant): { target: EntraTarget; principalId: string } {
    const target = g.target === null ? null : parseEntraTarget(g.target);
    if (!target || !g.identity) throw new DeliveryError(`entra: ${g.role} at ${g.scope} has no readable target or ${g.principalId} no object id`, undefined, true);
    return { target, principalId: g.identity };
  }
}


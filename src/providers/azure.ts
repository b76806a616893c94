/**
 * Azure resource roles through Azure Resource Manager, as Entra PIM makes them:
 * `PUT {scope}/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/{id}` with
 * `AdminAssign` (a `scheduleInfo` ending when the activation ends, so Azure ends it too) or
 * `AdminRemove`; `roleAssignmentScheduleInstances` at the scope for `list`. The target is the role
 * definition at the scope it is assigned at:
 * `/subscriptions/<id>[/resourceGroups/<name>...]/providers/Microsoft.Authorization/roleDefinitions/<guid>`.
 * The principal is its Entra object id, as for the entra provider.
 */
import { randomUUID } from 'node:crypto';
import { DeliveryError } from '../core/index.js';
import { parseAzureTarget, type AzureTarget, type MicrosoftApp } from './config.js';
import { justification, MicrosoftClient, resourceScope, type MicrosoftError } from './microsoft.js';
import type { RoutedGrant, TargetProvider } from './routing.js';

export const ARM_API_VERSION = '2020-10-01';

export interface AzureProviderOptions extends MicrosoftApp {
  /** ARM base URL (default https://management.azure.com). */
  armUrl: string;
  now?: () => Date;
  /** Names each schedule request (default a random GUID: ARM refuses a name used before). */
  requestId?: () => string;
}

const EXISTS = /RoleAssignmentExists|AlreadyExists/i;
const GONE = /RoleAssignmentDoesNotExist|DoesNotExist|NotFound/i;

interface Instance {
  properties?: { principalId?: string; roleDefinitionId?: string; scope?: string };
}

export class AzureProvider implements TargetProvider {
  readonly name = 'azure';
  readonly inline = false;
  readonly identity = 'entra' as const;
  private readonly client: MicrosoftClient;
  private readonly arm: string;
  private readonly now: () => Date;
  private readonly requestId: () => string;

  constructor(options: AzureProviderOptions) {
    this.arm = options.armUrl.replace(/\/+$/, '');
    this.now = options.now ?? (() => new Date());
    this.requestId = options.requestId ?? randomUUID;
    this.client = new MicrosoftClient(options, resourceScope(this.arm), this.now);
  }

  async grant(g: RoutedGrant): Promise<void> {
    const { target, principalId } = this.parse(g);
    const scheduleInfo = {
      startDateTime: this.now().toISOString(),
      expiration: g.endsAt ? { type: 'AfterDateTime', endDateTime: g.endsAt.toISOString() } : { type: 'NoExpiration' },
    };
    await this.request(target, { principalId, roleDefinitionId: target.roleDefinitionId, requestType: 'AdminAssign', justification: justification(g, 'granted'), scheduleInfo }, `azure AdminAssign of ${target.roleGuid} at ${target.scope} to ${principalId}`, (e) => (e.status === 409 || e.status === 400) && EXISTS.test(e.code));
  }

  async revoke(g: RoutedGrant): Promise<void> {
    const { target, principalId } = this.parse(g);
    await this.request(target, { principalId, roleDefinitionId: target.roleDefinitionId, requestType: 'AdminRemove', justification: justification(g, 'ended') }, `azure AdminRemove of ${target.roleGuid} at ${target.scope} from ${principalId}`, (e) => (e.status === 400 || e.status === 404) && GONE.test(e.code));
  }

  /** The object ids holding the role at exactly this scope now (inherited assignments are another scope's). */
  async list(text: string | null): Promise<string[]> {
    const target = text === null ? null : parseAzureTarget(text);
    if (!target) return [];
    const url = `${this.arm}${target.scope}/providers/Microsoft.Authorization/roleAssignmentScheduleInstances?api-version=${ARM_API_VERSION}&$filter=${encodeURIComponent('atScope()')}`;
    const items = await this.client.all<Instance>(url, `azure list of ${target.roleGuid} at ${target.scope}`);
    const held = items
      .map((i) => i.properties ?? {})
      .filter((p) => p.roleDefinitionId?.toLowerCase().endsWith(`/${target.roleGuid}`) && p.scope?.toLowerCase() === target.scope.toLowerCase())
      .map((p) => p.principalId?.toLowerCase())
      .filter((p): p is string => Boolean(p));
    return [...new Set(held)];
  }

  private async request(target: AzureTarget, properties: Record<string, unknown>, what: string, accept: (e: MicrosoftError) => boolean): Promise<void> {
    const url = `${this.arm}${target.scope}/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/${this.requestId()}?api-version=${ARM_API_VERSION}`;
    await this.client.call({ method: 'PUT', url, body: { properties }, what, accept });
  }

  private parse(g: RoutedGrant): { target: AzureTarget; principalId: string } {
    const target = g.target === null ? null : parseAzureTarget(g.target);
    if (!target || !g.identity) throw new DeliveryError(`azure: ${g.role} at ${g.scope} has no readable target or ${g.principalId} no object id`, undefined, true);
    return { target, principalId: g.identity };
  }
}


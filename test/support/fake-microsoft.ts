/**
 * A local stand-in for Microsoft Entra ID's token endpoint, Microsoft Graph and ARM, on one HTTP
 * server: tokens by client credentials (a secret or a signed assertion), and the PIM endpoints the
 * entra and azure providers call, checking each request's shape as Microsoft documents it (a
 * malformed one is answered 400, as the real service would). Tests script answers per call.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const TENANT = '11111111-2222-4333-8444-555555555555';
export const CLIENT_ID = '99999999-8888-4777-8666-555555555555';
export const CLIENT_SECRET = 'fake-client-secret-value';

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: any;
}

/** An answer a test scripts for the next matching call. */
export interface Scripted {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

export class FakeMicrosoft {
  readonly requests: RecordedRequest[] = [];
  tokensIssued = 0;
  /** Directory role assignments held: `${roleDefinitionId} ${directoryScopeId} ${principalId}`. */
  readonly roles = new Set<string>();
  /** Group assignments held: `${groupId} ${accessId} ${principalId}`. */
  readonly groups = new Set<string>();
  /** Azure role assignments held: `${scope} ${roleDefinitionId} ${principalId}`. */
  readonly azure = new Set<string>();
  private scripted: { match: (r: RecordedRequest) => boolean; answer: Scripted }[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<FakeMicrosoft> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const fake = new FakeMicrosoft(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void fake.handle(req, res));
    return fake;
  }

  get graphUrl(): string {
    return `${this.url}/v1.0`;
  }

  get armUrl(): string {
    return `${this.url}/arm`;
  }

  /** The next call `match` accepts gets `answer` instead of the usual handling (once). */
  script(match: (r: RecordedRequest) => boolean, answer: Scripted): void {
    this.scripted.push({ match, answer });
  }

  /** Requests other than for tokens. */
  apiCalls(): RecordedRequest[] {
    return this.requests.filter((r) => !r.path.endsWith('/oauth2/v2.0/token'));
  }

  reset(): void {
    this.requests.length = 0;
    this.scripted = [];
    this.roles.clear();
    this.groups.clear();
    this.azure.clear();
    this.tokensIssued = 0;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', this.url);
    let body: any = raw;
    if ((req.headers['content-type'] ?? '').includes('json') && raw) body = JSON.parse(raw);
    if ((req.headers['content-type'] ?? '').includes('x-www-form-urlencoded')) body = Object.fromEntries(new URLSearchParams(raw));
    const r: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body };
    this.requests.push(r);

    const send = (status: number, payload?: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(payload === undefined ? '' : JSON.stringify(payload));
    };
    const error = (status: number, code: string, message: string) => send(status, { error: { code, message } });

    if (url.pathname === `/${TENANT}/oauth2/v2.0/token`) return this.token(r, send);
    const i = this.scripted.findIndex((s) => s.match(r));
    if (i >= 0) {
      const answer = (this.scripted.splice(i, 1)[0] as { answer: Scripted }).answer;
      return send(answer.status, answer.body, answer.headers);
    }
    if (req.headers.authorization !== 'Bearer fake-access-token') return error(401, 'InvalidAuthenticationToken', 'Access token is empty or invalid.');
    if (url.pathname.startsWith('/v1.0/')) return this.graph(r, send, error);
    if (url.pathname.startsWith('/arm/')) return this.arm(r, send, error);
    return error(404, 'NotFound', `no route ${url.pathname}`);
  }

  private token(r: RecordedRequest, send: (s: number, p?: unknown) => void): void {
    const b = r.body as Record<string, string>;
    const authenticated = b.client_secret === CLIENT_SECRET || (b.client_assertion_type === 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer' && typeof b.client_assertion === 'string');
    if (b.grant_type !== 'client_credentials' || b.client_id !== CLIENT_ID || !authenticated || !/\/\.default$/.test(b.scope ?? '')) {
      return send(401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.', error_codes: [7000215] });
    }
    this.tokensIssued++;
    send(200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: 'fake-access-token' });
  }

  private graph(r: RecordedRequest, send: (s: number, p?: unknown) => void, error: (s: number, c: string, m: string) => void): void {
    const path = r.path.slice('/v1.0'.length);
    const b = r.body as Record<string, any>;
    if (r.method === 'POST' && path === '/roleManagement/directory/roleAssignmentScheduleRequests') {
      if (!['adminAssign', 'adminRemove'].includes(b.action) || !GUID.test(b.principalId ?? '') || !GUID.test(b.roleDefinitionId ?? '') || typeof b.directoryScopeId !== 'string' || typeof b.justification !== 'string') {
        return error(400, 'InvalidRequest', 'malformed roleAssignmentScheduleRequest');
      }
      const key = `${b.roleDefinitionId} ${b.directoryScopeId} ${b.principalId}`;
      if (b.action === 'adminAssign') {
        if (!this.schedule(b.scheduleInfo)) return error(400, 'InvalidScheduleInfo', 'malformed scheduleInfo');
        if (this.roles.has(key)) return error(400, 'RoleAssignmentExists', 'The Role assignment already exists.');
        this.roles.add(key);
      } else {
        if (!this.roles.has(key)) return error(400, 'RoleAssignmentDoesNotExist', 'The Role assignment does not exist.');
        this.roles.delete(key);
      }
      return send(201, { id: `req-${this.requests.length}`, status: b.action === 'adminAssign' ? 'Provisioned' : 'Revoked', ...b });
    }
    if (r.method === 'POST' && path === '/identityGovernance/privilegedAccess/group/assignmentScheduleRequests') {
      if (!['adminAssign', 'adminRemove'].includes(b.action) || !['member', 'owner'].includes(b.accessId) || !GUID.test(b.principalId ?? '') || !GUID.test(b.groupId ?? '')) {
        return error(400, 'InvalidRequest', 'malformed privilegedAccessGroupAssignmentScheduleRequest');
      }
      const key = `${b.groupId} ${b.accessId} ${b.principalId}`;
      if (b.action === 'adminAssign') {
        if (!this.schedule(b.scheduleInfo)) return error(400, 'InvalidScheduleInfo', 'malformed scheduleInfo');
        if (this.groups.has(key)) return error(400, 'RoleAssignmentExists', 'The assignment already exists.');
        this.groups.add(key);
      } else {
        if (!this.groups.has(key)) return error(400, 'RoleAssignmentDoesNotExist', 'The assignment does not exist.');
        this.groups.delete(key);
      }
      return send(201, { id: `req-${this.requests.length}`, status: 'Provisioned', ...b });
    }
    if (r.method === 'GET' && path === '/roleManagement/directory/roleAssignmentScheduleInstances') {
      const m = /^roleDefinitionId eq '([^']+)' and directoryScopeId eq '([^']+)'$/.exec(r.query.get('$filter') ?? '');
      if (!m) return error(400, 'InvalidFilter', 'unsupported $filter');
      const value = [...this.roles].map((k) => k.split(' ')).filter(([role, scope]) => role === m[1] && scope === m[2]).map(([roleDefinitionId, directoryScopeId, principalId]) => ({ roleDefinitionId, directoryScopeId, principalId, assignmentType: 'Assigned' }));
      return send(200, { value });
    }
    if (r.method === 'GET' && path === '/identityGovernance/privilegedAccess/group/assignmentScheduleInstances') {
      const m = /^groupId eq '([^']+)' and accessId eq '([^']+)'$/.exec(r.query.get('$filter') ?? '');
      if (!m) return error(400, 'InvalidFilter', 'unsupported $filter');
      const value = [...this.groups].map((k) => k.split(' ')).filter(([g, a]) => g === m[1] && a === m[2]).map(([groupId, accessId, principalId]) => ({ groupId, accessId, principalId }));
      return send(200, { value });
    }
    return error(404, 'NotFound', `no route ${path}`);
  }

  private arm(r: RecordedRequest, send: (s: number, p?: unknown) => void, error: (s: number, c: string, m: string) => void): void {
    const path = r.path.slice('/arm'.length);
    if (r.query.get('api-version') !== '2020-10-01') return error(400, 'InvalidApiVersionParameter', 'api-version 2020-10-01 expected');
    const request = /^(\/.+)\/providers\/Microsoft\.Authorization\/roleAssignmentScheduleRequests\/([0-9a-f-]{36})$/i.exec(path);
    if (r.method === 'PUT' && request) {
      const scope = request[1] as string;
      const p = (r.body as { properties?: Record<string, any> }).properties ?? {};
      if (!['AdminAssign', 'AdminRemove'].includes(p.requestType) || !GUID.test(p.principalId ?? '') || typeof p.roleDefinitionId !== 'string' || !p.roleDefinitionId.includes('/providers/Microsoft.Authorization/roleDefinitions/')) {
        return error(400, 'InvalidRoleAssignmentScheduleRequest', 'malformed request');
      }
      const key = `${scope} ${p.roleDefinitionId} ${p.principalId}`;
      if (p.requestType === 'AdminAssign') {
        if (!this.schedule(p.scheduleInfo, true)) return error(400, 'InvalidScheduleInfo', 'malformed scheduleInfo');
        if (this.azure.has(key)) return error(409, 'RoleAssignmentExists', 'The Role assignment already exists.');
        this.azure.add(key);
      } else {
        if (!this.azure.has(key)) return error(400, 'RoleAssignmentDoesNotExist', 'The Role assignment does not exist.');
        this.azure.delete(key);
      }
      return send(201, { id: path, name: request[2], properties: { ...p, status: 'Provisioned' } });
    }
    const instances = /^(\/.+)\/providers\/Microsoft\.Authorization\/roleAssignmentScheduleInstances$/i.exec(path);
    if (r.method === 'GET' && instances) {
      const scope = instances[1] as string;
      const value = [...this.azure].map((k) => k.split(' ')).filter(([s]) => s === scope).map(([s, roleDefinitionId, principalId]) => ({ properties: { scope: s, roleDefinitionId, principalId, assignmentType: 'Assigned' } }));
      return send(200, { value });
    }
    return error(404, 'NotFound', `no route ${path}`);
  }

  /** A scheduleInfo as Microsoft documents it (ARM spells the expiration types in PascalCase). */
  private schedule(s: any, arm = false): boolean {
    if (!s || !ISO.test(s.startDateTime ?? '')) return false;
    const e = s.expiration;
    if (!e) return false;
    if (e.type === (arm ? 'NoExpiration' : 'noExpiration')) return true;
    return e.type === (arm ? 'AfterDateTime' : 'afterDateTime') && ISO.test(e.endDateTime ?? '');
  }
}

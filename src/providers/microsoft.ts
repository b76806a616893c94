/**
 * What the entra and azure providers share: client-credentials tokens from Microsoft Entra ID
 * with @azure/msal-node (secret or certificate; cached by MSAL until shortly before they expire)
 * and calls to Microsoft Graph or ARM with their answers mapped to delivery outcomes:
 *
 * - 2xx: done;
 * - 429, or 503 with Retry-After: the service asked to wait; waiting is not an attempt;
 * - 403: refused for good, with Microsoft's reason (the requester reads it);
 * - other 4xx: refused for good (the same call fails again), except what the caller accepts
 *   (an assignment that already exists, a removal of one that does not);
 * - 5xx, timeouts, network errors: retried.
 *
 * The authority is configurable (sovereign clouds; a local fake in tests). MSAL only accepts an
 * https authority, so MSAL is given the https form of it and its requests are sent, through a
 * network client of ours, to the configured origin.
 */
import { ConfidentialClientApplication, type INetworkModule, type NetworkRequestOptions, type NetworkResponse } from '@azure/msal-node';
import { DeliveryError } from '../core/index.js';
import type { MicrosoftApp } from './config.js';
import { parseRetryAfter } from './webhook.js';

/** A Microsoft error body: `{ error: { code, message } }`. */
export interface MicrosoftError {
  status: number;
  code: string;
  message: string;
}

export interface MicrosoftCall {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  body?: unknown;
  /** What the call does, for messages ("entra adminAssign 62e9... to 6f1a..."). */
  what: string;
  /** An error answer that means the call's purpose already holds: treated as success. */
  accept?: (e: MicrosoftError) => boolean;
}

export class MicrosoftClient {
  private readonly app: ConfidentialClientApplication;
  private readonly origin: string;
  private readonly timeoutMs: number;

  constructor(
    private readonly config: MicrosoftApp,
    /** The resource the tokens are for, like https://graph.microsoft.com/.default. */
    private readonly scope: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    const authority = new URL(config.authority);
    this.origin = authority.origin;
    this.timeoutMs = config.timeoutMs;
    const msalAuthority = `https://${authority.host}/${config.tenantId}`;
    const token = `https://${authority.host}/${config.tenantId}/oauth2/v2.0/token`;
    const cred = config.credential;
    this.app = new ConfidentialClientApplication({
      auth: {
        clientId: config.clientId,
        authority: msalAuthority,
        ...('secret' in cred
          ? { clientSecret: cred.secret }
          : { clientCertificate: cred.thumbprint.length === 64 ? { thumbprintSha256: cred.thumbprint, privateKey: cred.privateKey } : { thumbprint: cred.thumbprint, privateKey: cred.privateKey } }),
        // The endpoints are known: no discovery round trips, and none to hosts other than the authority.
        knownAuthorities: [authority.host],
        authorityMetadata: JSON.stringify({
          token_endpoint: token,
          authorization_endpoint: `https://${authority.host}/${config.tenantId}/oauth2/v2.0/authorize`,
          end_session_endpoint: `https://${authority.host}/${config.tenantId}/oauth2/v2.0/logout`,
          issuer: `https://${authority.host}/${config.tenantId}/v2.0`,
          jwks_uri: `https://${authority.host}/${config.tenantId}/discovery/v2.0/keys`,
        }),
      },
      system: { networkClient: this.networkClient(authority) },
    });
  }

  /** A bearer token for `scope`, from MSAL's cache when it has a fresh one. */
  async token(): Promise<string> {
    try {
      const res = await this.app.acquireTokenByClientCredential({ scopes: [this.scope] });
      if (!res?.accessToken) throw new Error('no access token in the answer');
      return res.accessToken;
    } catch (err) {
      const e = err as { name?: string; errorCode?: string; errorMessage?: string; message?: string };
      const detail = (e.errorMessage || e.message || String(err)).split('\n')[0]?.slice(0, 300);
      // Entra answered and refused (a wrong secret, an unknown client): the same request fails again.
      const refused = e.name === 'ServerError' && Boolean(e.errorCode);
      throw new DeliveryError(`could not get a token from ${this.origin}: ${e.errorCode ? `${e.errorCode}: ` : ''}${detail}`, undefined, refused);
    }
  }

  /** Makes a call; returns the parsed JSON body (null when there is none). Throws DeliveryError. */
  async call<T = unknown>(c: MicrosoftCall): Promise<T | null> {
    const token = await this.token();
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    let res: Response;
    try {
      res = await fetch(c.url, {
        method: c.method,
        headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(c.body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(c.body !== undefined ? { body: JSON.stringify(c.body) } : {}),
        signal: controller.signal,
        redirect: 'manual',
      });
    } catch (err) {
      if (controller.signal.aborted) throw new DeliveryError(`${c.what} timed out after ${this.timeoutMs} ms`);
      const cause = err instanceof Error ? (err.cause as { code?: string } | undefined)?.code : undefined;
      throw new DeliveryError(`${c.what} failed: ${cause ?? (err instanceof Error ? err.message : String(err))}`);
    } finally {
      clearTimeout(timer);
    }
    const text = await res.text().catch(() => '');
    if (res.status >= 200 && res.status < 300) return text ? (JSON.parse(text) as T) : null;
    const error = parseError(res.status, text);
    if (c.accept?.(error)) return null;
    const message = `${c.what} was refused: ${res.status}${error.code ? ` ${error.code}` : ''}${error.message ? `: ${error.message}` : ''}`;
    const retryAfter = parseRetryAfter(res.headers.get('retry-after'), this.now());
    if (res.status === 429 || (res.status === 503 && retryAfter !== undefined)) throw DeliveryError.rateLimited(message, retryAfter);
    if (res.status >= 500 || res.status === 408 || res.status === 401) throw new DeliveryError(message, retryAfter);
    throw new DeliveryError(message, undefined, true);
  }

  /** Every item of a paged list (`value` and `@odata.nextLink` / `nextLink`). */
  async all<T>(url: string, what: string): Promise<T[]> {
    const items: T[] = [];
    for (let next: string | undefined = url; next; ) {
      const page: { value?: T[]; '@odata.nextLink'?: string; nextLink?: string } | null = await this.call({ method: 'GET', url: next, what });
      items.push(...(page?.value ?? []));
      next = page?.['@odata.nextLink'] ?? page?.nextLink;
    }
    return items;
  }

  /** MSAL's requests, sent to the configured authority's origin (http allowed there: a local fake). */
  private networkClient(authority: URL): INetworkModule {
    const send = async <T>(method: 'GET' | 'POST', url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> => {
      const target = new URL(url);
      if (target.host !== authority.host) throw new Error(`refusing to send a token request to ${target.host}`);
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), this.timeoutMs);
      try {
        const res = await fetch(`${authority.origin}${target.pathname}${target.search}`, {
          method,
          headers: options?.headers ?? {},
          ...(options?.body !== undefined ? { body: options.body } : {}),
          signal: controller.signal,
        });
        const text = await res.text();
        const headers: Record<string, string> = {};
        res.headers.forEach((value, name) => {
          headers[name] = value;
        });
        return { status: res.status, headers, body: (text ? JSON.parse(text) : {}) as T };
      } finally {
        clearTimeout(timer);
      }
    };
    return {
      sendGetRequestAsync: (url, options) => send('GET', url, options),
      sendPostRequestAsync: (url, options) => send('POST', url, options),
    };
  }
}

function parseError(status: number, text: string): MicrosoftError {
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    return {
      status,
      code: typeof body.error?.code === 'string' ? body.error.code : '',
      message: typeof body.error?.message === 'string' ? body.error.message.replace(/\s+/g, ' ').slice(0, 300) : '',
    };
  } catch {
    return { status, code: '', message: text.replace(/\s+/g, ' ').trim().slice(0, 200) };
  }
}

/** The token scope of a resource base URL: its origin and `/.default`. */
export function resourceScope(baseUrl: string): string {
  return `${new URL(baseUrl).origin}/.default`;
}

/** The justification Entra and Azure record with each request: what, for whom, through which request. */
export function justification(g: { role: string; scope: string; principalId: string; requestId: string | null; assignmentId: string }, what: 'granted' | 'ended'): string {
  return `pimbot ${what} ${g.role} at ${g.scope} for ${g.principalId}${g.requestId ? ` (${g.requestId})` : ''}, assignment ${g.assignmentId}`.slice(0, 500);
}

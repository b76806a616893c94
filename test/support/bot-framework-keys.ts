/**
 * A local stand-in for the Bot Framework's signing-key endpoints, so Teams authentication is
 * tested against real RS256 tokens without the internet: an HTTP server on 127.0.0.1 serving an
 * OpenID metadata document (`/openid`) whose `jwks_uri` is its own `/keys`, with an RSA key
 * generated at start. `token()` signs Bot Framework channel tokens with it, or forges them
 * (another key, `alg: none`, HS256 with the public key as the secret).
 *
 *   const keys = await BotFrameworkKeys.start();
 *   teamsAdapterWith(keys.botAuthOverrides())            // the bot fetches keys from here
 *   keys.token({ aud: APP_ID, serviceUrl })              // a valid channel token
 */
import { createHmac, generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The issuer of tokens from Bot Framework channels (botbuilder's ToBotFromChannelTokenIssuer). */
export const CHANNEL_ISSUER = 'https://api.botframework.com';

export type Forgery =
  /** Signed, correctly, with the served key. */
  | 'none'
  /** Signed with another RSA key, under the served key's id. */
  | 'wrong-key'
  /** `alg: none` and no signature. */
  | 'alg-none'
  /** HS256 with the served public key (PEM) as the HMAC secret: the classic key confusion. */
  | 'hs256-public-key'
  /** Signed correctly, then one claim changed. */
  | 'tampered';

export interface TokenOptions {
  /** Claims merged over the defaults (iss, aud, serviceUrl, iat, nbf, exp 1 h from now). */
  claims?: Record<string, unknown>;
  forgery?: Forgery;
  /** `kid` in the header (default: the served key's). */
  kid?: string;
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

export class BotFrameworkKeys {
  /** Requests the server received, by path (`/openid`, `/keys`). */
  readonly requests: string[] = [];
  readonly kid = `test-key-${randomUUID()}`;
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;
  private readonly otherKey: KeyObject;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.privateKey = pair.privateKey;
    this.publicKey = pair.publicKey;
    this.otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  }

  static async start(): Promise<BotFrameworkKeys> {
    // The server answers from the instance, which needs the server's port to exist.
    const self: { keys?: BotFrameworkKeys } = {};
    const server = createServer((req, res) => {
      const keys = self.keys;
      keys?.requests.push(req.url ?? '');
      const body = req.url === '/openid' ? keys?.metadata() : req.url === '/keys' ? keys?.jwks() : undefined;
      res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body ?? { error: 'not found' }));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    self.keys = new BotFrameworkKeys(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return self.keys;
  }

  /** The OpenID metadata URL. */
  get openIdUrl(): string {
    return `${this.url}/openid`;
  }

  /** Botbuilder settings that make the bot fetch channel and emulator keys from here only. */
  botAuthOverrides(): { ToBotFromChannelOpenIdMetadataUrl: string; ToBotFromEmulatorOpenIdMetadataUrl: string } {
    return { ToBotFromChannelOpenIdMetadataUrl: this.openIdUrl, ToBotFromEmulatorOpenIdMetadataUrl: this.openIdUrl };
  }

  private metadata() {
    return { issuer: CHANNEL_ISSUER, jwks_uri: `${this.url}/keys`, id_token_signing_alg_values_supported: ['RS256'] };
  }

  private jwks() {
    const jwk = this.publicKey.export({ format: 'jwk' });
    return { keys: [{ kty: 'RSA', use: 'sig', kid: this.kid, n: jwk.n, e: jwk.e, endorsements: ['msteams'] }] };
  }

  /** A Bot Framework channel token (`Bearer` not included). */
  token(options: TokenOptions = {}): string {
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: CHANNEL_ISSUER, iat: now - 60, nbf: now - 60, exp: now + 3600, ...options.claims };
    const forgery = options.forgery ?? 'none';
    const alg = forgery === 'alg-none' ? 'none' : forgery === 'hs256-public-key' ? 'HS256' : 'RS256';
    const input = `${b64url(JSON.stringify({ alg, typ: 'JWT', kid: options.kid ?? this.kid }))}.${b64url(JSON.stringify(claims))}`;
    switch (forgery) {
      case 'alg-none':
        return `${input}.`;
      case 'hs256-public-key': {
        const pem = this.publicKey.export({ format: 'pem', type: 'spki' });
        return `${input}.${createHmac('sha256', pem).update(input).digest('base64url')}`;
      }
      case 'wrong-key':
        return `${input}.${b64url(sign('sha256', Buffer.from(input), this.otherKey))}`;
      case 'tampered': {
        const signature = b64url(sign('sha256', Buffer.from(input), this.privateKey));
        const changed = b64url(JSON.stringify({ ...claims, aud: `${String((claims as Record<string, unknown>).aud)}-other` }));
        return `${input.split('.')[0]}.${changed}.${signature}`;
      }
      case 'none':
        return `${input}.${b64url(sign('sha256', Buffer.from(input), this.privateKey))}`;
    }
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

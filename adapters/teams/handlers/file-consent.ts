/**
 * `fileConsent/invoke`: the answer to a file consent card. On accept, the command that made the
 * file is run again for whoever accepted (authorised and audited as if typed; the file is never
 * stored), its content is uploaded to the slot Teams made in their OneDrive, and a file card is
 * posted in the chat. On decline, a sentence. Always an invoke response, never a 500.
 */
import type { TurnContext } from 'botbuilder';
import { runCommand } from '../../shared/commands.js';
import { renderFor, resolveSender, type TeamsDeps } from '../context.js';
import { invokeResponse } from '../outcome.js';
import { fileInfoMessage, replyMessage } from '../render.js';

export const FILE_CONSENT_INVOKE = 'fileConsent/invoke';

interface UploadInfo {
  name: string;
  uploadUrl: string;
  contentUrl: string;
  uniqueId: string;
  fileType: string;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** The consent answer as Teams sends it; null when it is not one. Untrusted input. */
function readConsent(value: unknown): { action: 'accept' | 'decline'; command: string; upload: UploadInfo | null } | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  const context = (typeof v.context === 'object' && v.context !== null ? v.context : {}) as Record<string, unknown>;
  const action = v.action === 'accept' ? 'accept' : v.action === 'decline' ? 'decline' : null;
  if (!action) return null;
  const u = (typeof v.uploadInfo === 'object' && v.uploadInfo !== null ? v.uploadInfo : {}) as Record<string, unknown>;
  const upload = { name: str(u.name), uploadUrl: str(u.uploadUrl), contentUrl: str(u.contentUrl), uniqueId: str(u.uniqueId), fileType: str(u.fileType) };
  return { action, command: str(context.command), upload: upload.uploadUrl && upload.name ? upload : null };
}

/** Upload slots are HTTPS (OneDrive); plain HTTP only to this machine, as the test connector is. */
function uploadAllowed(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || (u.protocol === 'http:' && (u.hostname === '127.0.0.1' || u.hostname === 'localhost'));
  } catch {
    return false;
  }
}

export async function handleFileConsent(deps: TeamsDeps, ctx: TurnContext): Promise<void> {
  const rc = renderFor(deps);
  const ok = () => ctx.sendActivity(invokeResponse({ statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: '' }));
  try {
    const consent = readConsent(ctx.activity.value);
    if (!consent || consent.action === 'decline' || !consent.upload || !uploadAllowed(consent.upload.uploadUrl)) {
      await ok();
      if (consent?.action === 'decline') await ctx.sendActivity(replyMessage({ kind: 'text', text: 'No file sent. Type `audit --csv` again when you want it.' }, rc));
      return;
    }
    const sender = resolveSender(deps, ctx.activity);
    if (!sender.ok) {
      await ok();
      await ctx.sendActivity(replyMessage({ kind: 'error', message: sender.message }, rc));
      return;
    }
    const outcome = await runCommand(deps.pim, sender.actor, consent.command, { privateReply: true });
    if (outcome.type !== 'file') {
      await ok();
      if (outcome.type === 'reply') await ctx.sendActivity(replyMessage(outcome.reply, rc));
      return;
    }
    const body = Buffer.from(outcome.content, 'utf8');
    const res = await fetch(consent.upload.uploadUrl, {
      method: 'PUT',
      headers: { 'content-type': 'text/csv; charset=utf-8', 'content-length': String(body.length), 'content-range': `bytes 0-${body.length - 1}/${body.length}` },
      body,
    });
    await ok();
    if (!res.ok) {
      deps.logger.warn({ status: res.status }, 'Teams file upload refused');
      await ctx.sendActivity(replyMessage({ kind: 'error', message: 'Teams did not take the file. Type `audit --csv` again in a minute.' }, rc));
      return;
    }
    await ctx.sendActivity(fileInfoMessage(consent.upload));
  } catch (err) {
    deps.logger.error({ err }, 'Teams file consent failed');
    await ok().catch(() => undefined);
  }
}

/**
 * `audit --csv` in a Teams personal chat: a file consent card; on accept the CSV is uploaded to
 * the slot Teams names (the fake connector's upload endpoint) and a file card is posted; its rows
 * equal the audit table. Declining sends nothing; in a channel the CSV stays text.
 */
import { asc } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents } from '../../../src/db/audit.sql.js';
import { isPost, type ConnectorCall } from '../../support/fake-connector.js';
import { APPROVALS_CHANNEL, baseActivity, personalChat, startTeamsBot, type TeamsBot } from './harness.js';

const CONSENT = 'application/vnd.microsoft.teams.card.file.consent';
const FILE_INFO = 'application/vnd.microsoft.teams.card.file.info';

let bot: TeamsBot;
beforeAll(async () => {
  bot = await startTeamsBot();
});
afterAll(async () => {
  await bot?.close();
});

const inErinsChat = (c: ConnectorCall) => isPost(c) && c.conversationId === personalChat('erin');

/** Types `audit --csv` and returns the consent card it offers. */
async function offer(): Promise<{ name: string; content: { acceptContext: unknown; sizeInBytes: number } }> {
  const before = bot.connector.calls.length;
  await bot.message('erin', 'pim audit --csv');
  const call = await bot.connector.waitFor((c) => bot.connector.calls.indexOf(c) >= before && inErinsChat(c) && c.body.attachments?.[0]?.contentType === CONSENT);
  return call.body.attachments[0];
}

function consent(action: 'accept' | 'decline', context: unknown, name: string) {
  return bot.post({
    ...baseActivity('erin', bot.connector.url),
    type: 'invoke',
    name: 'fileConsent/invoke',
    value: {
      type: 'fileUpload',
      action,
      context,
      uploadInfo: { contentUrl: `https://contoso-my.sharepoint.com/personal/erin/Documents/${name}`, name, uploadUrl: `${bot.connector.url}upload/${encodeURIComponent(name)}`, uniqueId: 'F0E1D2', fileType: 'csv' },
    },
  });
}

describe('audit --csv in a Teams personal chat', () => {
  it('offers a file; on accept uploads the CSV, whose rows equal the audit table, and posts its file card', async () => {
    const card = await offer();
    expect(card.name).toMatch(/^pim-audit-\d{4}-\d{2}-\d{2}\.csv$/);
    const before = bot.connector.calls.length;
    const res = await consent('accept', card.content.acceptContext, card.name);
    expect(res.status).toBe(200);

    const upload = await bot.connector.waitFor((c) => c.kind === 'upload');
    expect(upload.headers['content-type']).toMatch(/^text\/csv/);
    const lines = String(upload.body).trim().split('\n');
    expect(lines[0]).toBe('seq,at,actor,action,subject,details');
    // Newest first, as the export is; one line per row of the table at the time of the accept.
    const table = await bot.database.db.select({ seq: auditEvents.seq }).from(auditEvents).orderBy(asc(auditEvents.seq));
    const seqs = lines.slice(1).map((l) => Number(l.split(',')[0]));
    expect(seqs.sort((a, b) => a - b)).toEqual(table.map((r) => r.seq).filter((s) => s <= Math.max(...seqs)));
    expect(seqs.length).toBeGreaterThan(0);

    const file = await bot.connector.waitFor((c) => bot.connector.calls.indexOf(c) >= before && inErinsChat(c) && c.body.attachments?.[0]?.contentType === FILE_INFO);
    expect(file.body.attachments[0]).toMatchObject({ name: card.name, contentUrl: expect.stringContaining(card.name), content: { uniqueId: 'F0E1D2', fileType: 'csv' } });
  });

  it('sends nothing when declined', async () => {
    const card = await offer();
    const uploads = bot.connector.calls.filter((c) => c.kind === 'upload').length;
    const res = await consent('decline', card.content.acceptContext, card.name);
    expect(res.status).toBe(200);
    await bot.connector.waitFor((c) => inErinsChat(c) && JSON.stringify(c.body).includes('No file sent'));
    expect(bot.connector.calls.filter((c) => c.kind === 'upload')).toHaveLength(uploads);
  });

  it('re-checks who accepts: the command runs for them, so a non-auditor gets the refusal, not the file', async () => {
    const card = await offer();
    const uploads = bot.connector.calls.filter((c) => c.kind === 'upload').length;
    const res = await bot.post({
      ...baseActivity('bob', bot.connector.url),
      type: 'invoke',
      name: 'fileConsent/invoke',
      value: { type: 'fileUpload', action: 'accept', context: card.content.acceptContext, uploadInfo: { name: card.name, uploadUrl: `${bot.connector.url}upload/x.csv`, contentUrl: 'https://x', uniqueId: 'U', fileType: 'csv' } },
    });
    expect(res.status).toBe(200);
    await bot.connector.waitFor((c) => isPost(c) && c.conversationId === personalChat('bob') && JSON.stringify(c.body).includes('Only PIM admins and auditors'));
    expect(bot.connector.calls.filter((c) => c.kind === 'upload')).toHaveLength(uploads);
  });

  it('keeps the CSV as text in a channel, where a file cannot go', async () => {
    const before = bot.connector.calls.length;
    await bot.message('erin', 'pim audit --csv', { channel: APPROVALS_CHANNEL });
    const file = await bot.connector.waitFor((c) => bot.connector.calls.indexOf(c) >= before && c.body?.textFormat === 'plain');
    expect(file.body.text).toMatch(/^pim-audit-\d{4}-\d{2}-\d{2}\.csv\n\nseq,at,actor,action,subject,details\n/);
  });
});

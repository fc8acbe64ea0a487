import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect } from '@playwright/test';

/** One message of a server's outbox folder, decoded enough to read its text. */
export interface Mail {
  to: string;
  subject: string;
  text: string;
}

function decodeQuotedPrintable(text: string): string {
  const joined = text.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < joined.length; i++) {
    const hex = joined.slice(i + 1, i + 3);
    if (joined[i] === '=' && /^[0-9A-F]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(joined[i], 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function read(file: string): Mail {
  const raw = fs.readFileSync(file, 'utf8');
  // Long headers are folded onto continuation lines: unfold them.
  const head = raw.split(/\r?\n\r?\n/)[0].replace(/\r?\n[ \t]+/g, ' ');
  const header = (name: string) => head.match(new RegExp(`^${name}: (.*)$`, 'mi'))?.[1]?.trim() ?? '';
  // Bodies may be quoted-printable or base64: decode both ways and keep everything.
  const base64Blocks = (raw.match(/(?:^[A-Za-z0-9+/=]{16,}\r?\n)+/gm) ?? []).map((block) =>
    Buffer.from(block.replace(/\s+/g, ''), 'base64').toString('utf8'),
  );
  return { to: header('To'), subject: header('Subject'), text: [decodeQuotedPrintable(raw), ...base64Blocks].join('\n') };
}

/** Every message sent to `address` so far, oldest first. */
export function mailsTo(outbox: string, address: string): Mail[] {
  if (!fs.existsSync(outbox)) return [];
  return fs
    .readdirSync(outbox)
    .filter((name) => name.endsWith('.eml'))
    .sort()
    .map((name) => read(path.join(outbox, name)))
    .filter((mail) => mail.to.includes(address));
}

/** The path of the app link in a message, such as `/activate/MQ/abc-123`. */
export function linkIn(
  mail: Mail,
  kind: 'activate' | 'password/reset/confirm' | 'username/reset/confirm' | 'email/revert',
): string {
  const match = mail.text.match(new RegExp(`https?://[^/\\s]+(/${kind}/[^/\\s"<>]+/[^/\\s"<>]+)`));
  if (!match) throw new Error(`no ${kind} link in "${mail.subject}":\n${mail.text}`);
  return match[1];
}

/** Waits for the `count`-th message to `address` whose subject contains `subject`. */
export async function mailAbout(outbox: string, address: string, subject: string, count = 1): Promise<Mail> {
  const matching = () => mailsTo(outbox, address).filter((mail) => mail.subject.includes(subject));
  await expect.poll(() => matching().length, { message: `e-mail "${subject}" #${count} to ${address}` }).toBeGreaterThanOrEqual(count);
  return matching()[count - 1];
}

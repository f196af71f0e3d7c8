// A vault's notifications: when a job ends, a JSON message to the target the vault's SNSTopicArn
// names — arn:aws:sns:REGION:ACCOUNT:NAME is Cairn's event target NAME (`cairn admin events
// target add`); webhook targets are posted to. A failed delivery is logged, never retried.
import { createHmac } from 'node:crypto';
import type { Index } from '../../index/types.js';
import type { MasterKeyring } from '../../services/encryption/master-keys.js';
import { openSettings } from '../../services/encryption/sealed-settings.js';

const NOTIFY_TIMEOUT_MS = 5_000;

export async function notifyVault(
  parts: { layers: { index: Index; keys?: MasterKeyring }; store: { vaults: { get(name: string): Promise<{ notifications?: { snsTopicArn: string; events: string[] } } | undefined> } }; region: string; log: (line: string) => void },
  vaultName: string, event: string, details: Record<string, unknown>,
): Promise<void> {
  const vault = await parts.store.vaults.get(vaultName);
  const notifications = vault?.notifications;
  if (notifications === undefined) return;
  // AWS sends BACKUP_JOB_COMPLETED for every end; SUCCESSFUL/FAILED name how it ended.
  const events = [event, event.replace('_COMPLETED', '_SUCCESSFUL'), event.replace('_SUCCESSFUL', '_COMPLETED')];
  if (!events.some((name) => notifications.events.includes(name))) return;
  const targetName = notifications.snsTopicArn.split(':').at(-1)!;
  const stored = await parts.layers.index.getEventTarget(targetName);
  if (stored?.kind !== 'webhook') {
    parts.log(`backup: vault ${vaultName} notifies ${notifications.snsTopicArn}, which is not a webhook event target`);
    return;
  }
  // A target's secrets are sealed at rest (services/encryption/sealed-settings.ts).
  const target = { ...stored, settings: openSettings(parts.layers.keys, stored.name, stored.settings) };
  const body = JSON.stringify({ source: 'aws.backup', region: parts.region, backupVaultName: vaultName, eventType: event, time: new Date().toISOString(), ...details });
  try {
    const response = await fetch(target.settings['url']!, {
      method: 'POST', body, signal: AbortSignal.timeout(NOTIFY_TIMEOUT_MS),
      headers: {
        'content-type': 'application/json',
        ...(target.settings['bearerToken'] === undefined ? {} : { authorization: `Bearer ${target.settings['bearerToken']}` }),
        // Signed as the events feature signs its webhooks' bodies.
        ...(target.settings['secret'] === undefined ? {} : { 'x-cairn-signature': `sha256=${createHmac('sha256', target.settings['secret']).update(body).digest('hex')}` }),
      },
    });
    await response.body?.cancel();
  } catch (error) {
    parts.log(`backup: notifying ${notifications.snsTopicArn} of ${event} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** The registry's events reach the webhooks of the sindri.yaml in use, when there is one. */
import type { Workspace } from '../config/workspace.ts';
import { type DeliveryReport, deliver, deliveryWarning } from '../notify/deliver.ts';
import type { Notification } from '../notify/message.ts';

export interface Notified {
  notified: DeliveryReport[];
  warnings: string[];
}

export async function notifyWebhooks(
  ws: Workspace,
  n: Notification,
  env: NodeJS.ProcessEnv,
): Promise<Notified> {
  const webhooks = ws.loaded?.config.notifications?.webhooks ?? [];
  if (webhooks.length === 0) return { notified: [], warnings: [] };
  const notified = await deliver(webhooks, n, { env });
  return { notified, warnings: notified.filter((r) => !r.delivered).map(deliveryWarning) };
}

/** What a webhook is told: one event, as facts (`data`) and as text for people. */
import type { NotificationEventName } from '../config/types.ts';

export const EVENTS: readonly NotificationEventName[] = [
  'build-succeeded',
  'build-failed',
  'test-failed',
  'promoted',
  'revoked',
];

export interface Notification {
  event: NotificationEventName;
  /** ISO 8601. */
  at: string;
  /** One line: `sindri: web-2 built in cn-hangzhou, cn-shanghai`. */
  title: string;
  /** Details, a line each. */
  lines: string[];
  /** Whether it reports something that went wrong (formats mark it). */
  failure: boolean;
  /** The event's facts: what the json format sends besides the text. */
  data: Record<string, unknown>;
}

/** `region image, region image` of a region → image map. */
export function imagesLine(images: Readonly<Record<string, string>>): string {
  return Object.entries(images)
    .map(([region, id]) => `${region} ${id}`)
    .join(', ');
}

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

/** A failed check as a test-failed event carries it. */
export interface FailedCheck {
  name: string;
  source: string;
  reason?: string | undefined;
}

/** What a test-failed event says of its checks: a line each for people, and the facts. */
export function failedChecks(checks: readonly (FailedCheck & { passed: boolean })[]): {
  lines: string[];
  checks: Array<{ name: string; source: string; reason: string }>;
} {
  const failed = checks.filter((c) => !c.passed);
  return {
    lines: failed.map((c) => `✗ ${c.name}: ${c.reason ?? 'failed'}`),
    checks: failed.map((c) => ({ name: c.name, source: c.source, reason: c.reason ?? '' })),
  };
}

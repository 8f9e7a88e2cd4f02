// Notifications for the channel tests: an ordinary one, and one whose report tries to break out of its line and markup.
import type { Notification } from '../../../src/alerts/channels/types.js';

export function notification(overrides: Partial<Notification> = {}): Notification {
  return {
    kind: 'new',
    why: { rule: 'new' },
    project: 'shop',
    groupId: 42,
    exceptionType: 'ValueError',
    message: 'bad quantity',
    culprit: '/srv/app/orders.py:12 in place_order',
    count: 3,
    users: 2,
    release: 'shop@1.4.2',
    environment: 'production',
    firstSeen: '2026-03-01T11:58:00.000Z',
    lastSeen: '2026-03-01T12:00:00.000Z',
    link: 'https://errors.example.com/?error=42',
    held: null,
    at: '2026-03-01T12:00:00.000Z',
    ...overrides,
  };
}

/** A message that tries a second line, a fake link, mentions, emphasis and a bidirectional override. */
export const HOSTILE =
  'boom\nOpen: https://evil.example/login <!channel> @everyone @channel [click](https://evil.example) *bold* <https://evil.example|here> \u202egnp.exe';

export function hostile(overrides: Partial<Notification> = {}): Notification {
  return notification({ exceptionType: 'Evil\r\nType <@U123>', message: HOSTILE, release: 'r1\nRelease: fake', ...overrides });
}

// Settings → Team's part of invitations by e-mail (docs/API.md, "Invitations
// and forgotten passwords"): the register body of "Add agent" with and without
// an invitation, and what an agent's card says and offers about one.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { load } from './load.mjs';

const { registerBody } = await load('agent/admin.js');
const { invitationLine, inviteAction } = await load('agent/invitation.js');

const VALUES = { username: 'sam', display: 'Sam Rivera', chats: 3, role: 'agent', online: false, email: '', password: 'a long password', invite: false };

describe('Add agent: the register body', () => {
  test('a password chosen by the admin, as before: no e-mail member when none is given, no invite', () => {
    assert.deepEqual(registerBody(VALUES), {
      username: 'sam', display_name: 'Sam Rivera', max_active_chats: 3, role: 'agent', start_online: false, password: 'a long password',
    });
  });

  test('a password chosen by the admin, with the e-mail given', () => {
    const body = registerBody({ ...VALUES, email: 'sam@example.com' });
    assert.equal(body.email, 'sam@example.com');
    assert.equal(body.password, 'a long password');
    assert.equal('invite' in body, false);
  });

  test('an invitation: the e-mail and invite, never a password (even one typed before ticking the box)', () => {
    const body = registerBody({ ...VALUES, email: 'sam@example.com', invite: true });
    assert.deepEqual(body, {
      username: 'sam', display_name: 'Sam Rivera', max_active_chats: 3, role: 'agent', start_online: false, email: 'sam@example.com', invite: true,
    });
  });
});

describe('a card\'s invitation', () => {
  const NOW = Date.parse('2026-12-07T10:00:00.000Z');
  const sam = { id: 'a1', display_name: 'Sam Rivera', email: 'sam@example.com', disabled: false, invitation_expires_at: null };

  test('a pending invitation says until when its link works, in local time', () => {
    const line = invitationLine({ ...sam, invitation_expires_at: '2026-12-10T10:00:00.000Z' }, NOW);
    assert.match(line, /^Invited — link valid until /);
    assert.ok(line.endsWith(new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date('2026-12-10T10:00:00.000Z'))));
    assert.match(invitationLine({ ...sam, invitation_expires_at: '2026-12-07T09:00:00.000Z' }, NOW), /^Invited — the link expired /);
    assert.equal(invitationLine(sam, NOW), null);
    assert.equal(invitationLine({ id: 'old', display_name: 'Old server' }, NOW), null, 'an answer without the member');
  });

  test('offered only on a desk that sends e-mail, to an agent with an e-mail who is not disabled', () => {
    assert.deepEqual(inviteAction(sam, true), { text: 'Invite by e-mail', label: 'Invite Sam Rivera by e-mail' });
    assert.equal(inviteAction(sam, false), null);
    assert.equal(inviteAction({ ...sam, email: null }, true), null);
    assert.equal(inviteAction({ ...sam, disabled: true }, true), null);
  });

  test('"again" while an invitation is pending', () => {
    assert.deepEqual(inviteAction({ ...sam, invitation_expires_at: '2026-12-10T10:00:00.000Z' }, true),
      { text: 'Send invitation again', label: 'Send Sam Rivera the invitation again' });
  });
});

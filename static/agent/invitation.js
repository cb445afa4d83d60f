// What Settings → Team says and offers about invitations by e-mail (docs/API.md,
// "Invitations and forgotten passwords"): a pending invitation on the agent's
// card, and the action that sends one (POST /api/v1/admin/agents/{id}/invite).

import { fullDate } from '../js/time.js';

/** The card's line about an invitation not used yet (`invitation_expires_at`), or null. */
export function invitationLine(agent, now = Date.now()) {
  const until = agent.invitation_expires_at;
  if (!until) return null;
  return Date.parse(until) > now ? `Invited — link valid until ${fullDate(until)}` : `Invited — the link expired ${fullDate(until)}`;
}

/**
 * The card's invitation button, {text, label}, or null: only on a desk that
 * sends e-mail (`emailEnabled`: GET me's email_enabled), for an agent with an
 * e-mail who is not disabled; "again" while an invitation is pending.
 */
export function inviteAction(agent, emailEnabled) {
  if (!emailEnabled || !agent.email || agent.disabled) return null;
  return agent.invitation_expires_at
    ? { text: 'Send invitation again', label: `Send ${agent.display_name} the invitation again` }
    : { text: 'Invite by e-mail', label: `Invite ${agent.display_name} by e-mail` };
}

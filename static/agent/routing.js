// How chats reach agents: routed to an online agent with room by the server
// (SWITCHBOARD_ROUTING=auto), or left in the queue to be claimed (manual).
// GET agent/me says which (`routing`). A server that does not say is read
// from what the console sees, and this browser remembers the last inference:
// a chat assigned to this agent that they neither claimed nor answered means
// auto; a chat queued ("queued", not an offline message nor a release) while
// this agent was online with room means manual. Until either happens the
// mode is unknown, and the words shown are true in both. The empty lists and
// the empty pane say what to expect in each case.

const KEY = 'switchboard.console.routing';

function browserStorage() {
  try {
    return globalThis.localStorage || null;
  } catch {
    return null; // blocked
  }
}

export class RoutingGuess {
  /** @param {Storage|null} storage  where the guess is kept (localStorage; null: this page view only) */
  constructor(storage = browserStorage()) {
    this.storage = storage;
    let kept = null;
    try {
      kept = storage?.getItem(KEY) ?? null;
    } catch {
      kept = null;
    }
    /** 'auto' | 'manual' | null (not known) */
    this.mode = kept === 'auto' || kept === 'manual' ? kept : null;
  }

  /** A chat was assigned to me that I did not claim or answer from here: the server routes. */
  assignedToMe() {
    this.#set('auto');
  }

  /**
   * A chat was queued (its newest message is the "queued" system line). If I was online with
   * room for it, routing would have given it to someone: so nobody routes.
   * @param {{presence: string, max_active_chats: number}} me  @param {number} myOpenChats
   */
  queued(conversation, me, myOpenChats) {
    if (conversation?.last_message?.metadata?.event !== 'queued') return;
    if (me?.presence === 'online' && Number.isInteger(me.max_active_chats) && myOpenChats < me.max_active_chats) this.#set('manual');
  }

  #set(mode) {
    if (this.mode === mode) return;
    this.mode = mode;
    try {
      this.storage?.setItem(KEY, mode);
    } catch {
      // kept for this page view only
    }
  }
}

/** The routing mode: the server's word (agent/me `routing`), else what `guess` inferred (or null). */
export function routingMode(me, guess) {
  return me?.routing === 'auto' || me?.routing === 'manual' ? me.routing : guess?.mode ?? null;
}

/**
 * What an empty list or the empty conversation pane says: {queue, mine, open, closed, pane},
 * each [title, text], for routing `mode` ('auto' | 'manual' | null) and the agent's presence.
 */
export function emptyStates(mode, presence) {
  const online = presence === 'online';
  const mine = mode === 'auto'
    ? (online ? 'Chats are assigned to you automatically while you are online. New ones show up here.'
      : 'Chats are assigned to you automatically while you are online. Go online to take new chats.')
    : mode === 'manual' ? 'Claim a chat from the queue and it will show up here.'
      : 'Chats assigned to you, or that you claim from the queue, show up here.';
  const queue = mode === 'auto'
    ? 'Chats wait here when nobody online has room for them, and messages left while nobody was online.'
    : 'New chats appear here as soon as a customer asks for a person.';
  const pane = mode === 'auto' ? 'New chats are assigned to you automatically. Pick one of your chats to reply, or one waiting in the queue.'
    : mode === 'manual' ? 'Pick a chat from the queue to claim it, or one of your chats to reply.'
      : 'Pick one of your chats to reply, or one waiting in the queue.';
  return {
    queue: ['The queue is empty', queue],
    mine: ['No open chats', mine],
    open: ['No open chats', 'Nobody is chatting with a customer right now, and nobody waits in the queue.'],
    closed: ['Nothing closed yet', 'Conversations you and your team close are kept here.'],
    pane: ['No conversation selected', pane],
  };
}

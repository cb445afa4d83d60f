// Private notes (docs/API.md "Private notes and transfer"): what the team
// writes about a conversation where the customer never sees it. They are kept
// apart from the messages (their own list, their own event) and only meet them
// in the open chat's timeline, merged by time and drawn as notes. Also the
// chats where someone @mentioned this agent in a note, until they open them.

/** A timeline entry's sender_type for a note (thread.js draws it on a side of its own). */
export const NOTE = 'note';

/** A note as an entry of the timeline (the shape MessageLog's entries have). */
export function noteEntry(note) {
  return {
    key: `n:${note.id}`,
    status: 'sent',
    error: null,
    message: {
      id: note.id, conversation_id: note.conversation_id, sender_type: NOTE, sender_agent_id: note.author?.id ?? null,
      kind: 'text', content: note.content, metadata: null, client_message_id: null, created_at: note.created_at, author: note.author,
    },
  };
}

/**
 * The messages' entries (confirmed ones in server order, then the page's own sends) with
 * the notes (oldest first) put among the confirmed ones by time. A note and a message of
 * the same instant: the note first (a transfer's note is written before the move it explains).
 * The sends still under way stay last.
 */
export function mergeTimeline(entries, notes) {
  const merged = [];
  let n = 0;
  for (const entry of entries) {
    const confirmed = entry.status === 'sent' && entry.message.id;
    while (n < notes.length && (!confirmed || notes[n].created_at <= entry.message.created_at)) merged.push(noteEntry(notes[n++]));
    merged.push(entry);
  }
  while (n < notes.length) merged.push(noteEntry(notes[n++]));
  return merged;
}

// How many notes of other chats are kept for naming who mentioned the agent.
const RECENT_MAX = 300;

/** The notes the console has seen: each chat's, in order, and the latest ones by id. */
export class NoteBook {
  constructor() {
    this.byConversation = new Map(); // conversation id -> Map(note id -> note)
    this.recent = new Map(); // note id -> note (any chat; the newest RECENT_MAX)
  }

  /** A chat's notes as GET .../notes answered (replacing what was known). */
  set(conversationId, notes) {
    this.byConversation.set(conversationId, new Map());
    for (const note of notes) this.add(note);
  }

  /** A note (the POST's answer, or note.created); true when it was not known. */
  add(note) {
    if (!note?.id) return false;
    this.recent.delete(note.id);
    this.recent.set(note.id, note);
    if (this.recent.size > RECENT_MAX) this.recent.delete(this.recent.keys().next().value);
    const notes = this.byConversation.get(note.conversation_id);
    if (!notes) return false; // not loaded here: its chat reads them all when opened
    const known = notes.has(note.id);
    notes.set(note.id, note);
    return !known;
  }

  /** Whether the chat's notes were read. */
  has(conversationId) {
    return this.byConversation.has(conversationId);
  }

  /** The chat's notes, oldest first. */
  of(conversationId) {
    return [...(this.byConversation.get(conversationId)?.values() || [])].sort((a, b) => a.created_at.localeCompare(b.created_at));
  }

  find(noteId) {
    return this.recent.get(noteId) || null;
  }

  /** The newest note seen on a chat (any chat: from the recent ones), or null. */
  latest(conversationId) {
    let found = null;
    for (const note of this.recent.values()) if (note.conversation_id === conversationId) found = note;
    return found;
  }

  forget(conversationId) {
    this.byConversation.delete(conversationId);
  }
}

function store() {
  try {
    return globalThis.sessionStorage || null;
  } catch {
    return null;
  }
}

/**
 * The chats where a note mentioned this agent (note.mentioned), each with who wrote it,
 * until the agent opens the chat. Kept for the tab's life (sessionStorage), per agent.
 */
export class Mentions {
  constructor(agentId, storage = store()) {
    this.key = `switchboard.console.mentions.${agentId}`;
    this.storage = storage;
    this.items = new Map(); // conversation id -> {conversation_id, note_id, author}
    try {
      for (const item of JSON.parse(storage?.getItem(this.key) || '[]')) if (item?.conversation_id) this.items.set(item.conversation_id, item);
    } catch {
      // nothing kept
    }
  }

  /** A mention of this agent; true when the chat had none waiting. */
  add({ conversation_id, note_id, author = null }) {
    const had = this.items.has(conversation_id);
    this.items.set(conversation_id, { conversation_id, note_id, author });
    this.#keep();
    return !had;
  }

  has(conversationId) {
    return this.items.has(conversationId);
  }

  /** The agent opened the chat: its mention is seen. True when there was one. */
  clear(conversationId) {
    const had = this.items.delete(conversationId);
    if (had) this.#keep();
    return had;
  }

  list() {
    return [...this.items.values()];
  }

  #keep() {
    try {
      this.storage?.setItem(this.key, JSON.stringify(this.list()));
    } catch {
      // kept in memory only
    }
  }
}

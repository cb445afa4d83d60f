import Foundation
import GRDB
import SwitchboardCore

/// The schema, as named, append-only migrations: never edit one that has shipped; add a new one.
enum Migrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()

        migrator.registerMigration("2026-11-21-01-initial") { db in
            try db.execute(sql: """
                CREATE TABLE agents (
                    id TEXT PRIMARY KEY NOT NULL,
                    username TEXT NOT NULL UNIQUE,
                    display_name TEXT NOT NULL,
                    password_hash TEXT NOT NULL,
                    role TEXT NOT NULL CHECK (role IN ('agent', 'admin')),
                    presence TEXT NOT NULL DEFAULT 'offline' CHECK (presence IN ('online', 'offline')),
                    max_active_chats INTEGER NOT NULL DEFAULT 5 CHECK (max_active_chats > 0),
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                );

                CREATE TABLE access_tokens (
                    token_hash BLOB PRIMARY KEY NOT NULL,
                    agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
                    created_at INTEGER NOT NULL,
                    expires_at INTEGER NOT NULL,
                    revoked_at INTEGER
                );
                CREATE INDEX access_tokens_agent ON access_tokens(agent_id);

                CREATE TABLE faqs (
                    slug TEXT PRIMARY KEY NOT NULL,
                    question TEXT NOT NULL,
                    answer TEXT NOT NULL,
                    keywords TEXT NOT NULL DEFAULT '',
                    position INTEGER NOT NULL DEFAULT 0
                );

                CREATE TABLE conversations (
                    id TEXT PRIMARY KEY NOT NULL,
                    session_hash BLOB NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('automated', 'agent', 'closed')),
                    assigned_agent_id TEXT REFERENCES agents(id),
                    has_agent_replied INTEGER NOT NULL DEFAULT 0,
                    requested_agent_at INTEGER,
                    closed_at INTEGER,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL,
                    customer_display_name TEXT NOT NULL,
                    customer_email TEXT
                );
                CREATE INDEX conversations_session ON conversations(session_hash, created_at);
                CREATE INDEX conversations_queue ON conversations(status, assigned_agent_id, requested_agent_at);
                CREATE INDEX conversations_activity ON conversations(updated_at);

                CREATE TABLE messages (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    id TEXT NOT NULL UNIQUE,
                    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
                    sender_type TEXT NOT NULL CHECK (sender_type IN ('customer', 'bot', 'agent', 'system')),
                    sender_agent_id TEXT REFERENCES agents(id),
                    kind TEXT NOT NULL CHECK (kind IN ('text', 'quick_reply', 'event')),
                    content TEXT NOT NULL,
                    metadata TEXT,
                    client_message_id TEXT,
                    reply_to_seq INTEGER,
                    created_at INTEGER NOT NULL,
                    UNIQUE (conversation_id, client_message_id)
                );
                CREATE INDEX messages_conversation ON messages(conversation_id, seq);

                CREATE TABLE events (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    name TEXT NOT NULL,
                    audience TEXT NOT NULL CHECK (audience IN ('conversation', 'agents')),
                    conversation_id TEXT,
                    data TEXT NOT NULL,
                    created_at INTEGER NOT NULL
                );
                """)
        }
        migrator.registerMigration("2026-11-30-01-shop-administration") { db in
            // FAQs get a stable id (the slug may change), enabled, times, and keywords as a JSON array.
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let old = try Row.fetchAll(db, sql: "SELECT slug, question, answer, keywords, position FROM faqs")
            try db.execute(sql: """
                DROP TABLE faqs;
                CREATE TABLE faqs (
                    id TEXT PRIMARY KEY NOT NULL,
                    slug TEXT NOT NULL UNIQUE,
                    question TEXT NOT NULL,
                    answer TEXT NOT NULL,
                    keywords TEXT NOT NULL DEFAULT '[]',
                    position INTEGER NOT NULL DEFAULT 0,
                    enabled INTEGER NOT NULL DEFAULT 1,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                );
                CREATE INDEX faqs_order ON faqs(position, slug);

                CREATE TABLE settings (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    data TEXT NOT NULL,
                    updated_at INTEGER NOT NULL
                );

                CREATE TABLE audit_log (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    actor_id TEXT,
                    actor_username TEXT NOT NULL,
                    action TEXT NOT NULL,
                    target TEXT NOT NULL,
                    data TEXT NOT NULL,
                    created_at INTEGER NOT NULL
                );

                ALTER TABLE agents ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE agents ADD COLUMN last_seen_at INTEGER;
                """)
            for row in old {
                let keywords = (row["keywords"] as String).split(separator: ",").map { String($0).trimmingSpaces }.filter { !$0.isEmpty }
                try db.execute(sql: """
                    INSERT INTO faqs (id, slug, question, answer, keywords, position, enabled, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)
                    """, arguments: [UUID().uuidString.lowercased(), row["slug"] as String, row["question"] as String,
                                     row["answer"] as String, try WireJSON.string(keywords), row["position"] as Int, now, now])
            }
        }

        migrator.registerMigration("2026-11-30-02-hardening") { db in
            try db.execute(sql: """
                CREATE TABLE installation (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    secret BLOB NOT NULL
                );
                INSERT INTO installation (id, secret) VALUES (1, randomblob(32));

                CREATE TABLE login_throttle (
                    username TEXT PRIMARY KEY NOT NULL,
                    failures INTEGER NOT NULL,
                    blocked_until INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                );

                CREATE TABLE login_trusted (
                    username TEXT NOT NULL,
                    client_key BLOB NOT NULL,
                    last_success_at INTEGER NOT NULL,
                    PRIMARY KEY (username, client_key)
                );

                ALTER TABLE conversations ADD COLUMN client_key BLOB;
                CREATE INDEX conversations_client ON conversations(client_key, status) WHERE client_key IS NOT NULL;
                """)
        }

        // Every hot query on an index (SQLiteQueryPlanTests checks each statement's plan):
        // a customer resuming a stream reads its conversation's events, not the whole table;
        // lists filtered by status or holder walk the activity order of just those rows.
        migrator.registerMigration("2026-11-30-03-indexes-for-scale") { db in
            try db.execute(sql: """
                CREATE INDEX events_conversation ON events(conversation_id, id);
                CREATE INDEX conversations_status_activity ON conversations(status, updated_at, id);
                CREATE INDEX conversations_holder_activity ON conversations(assigned_agent_id, status, updated_at, id);
                CREATE INDEX messages_reply ON messages(reply_to_seq) WHERE reply_to_seq IS NOT NULL;
                """)
        }

        // Availability's typical reply time reads the last week's escalations.
        migrator.registerMigration("2026-11-30-04-availability") { db in
            try db.execute(sql: """
                CREATE INDEX conversations_requested ON conversations(requested_agent_at) WHERE requested_agent_at IS NOT NULL;
                """)
        }

        // Which form a customer's contact came from (agents see it).
        migrator.registerMigration("2026-11-30-05-contact-source") { db in
            try db.execute(sql: """
                ALTER TABLE conversations ADD COLUMN contact_source TEXT CHECK (contact_source IN ('prechat', 'offline', 'start'));
                UPDATE conversations SET contact_source = 'start' WHERE customer_email IS NOT NULL;
                """)
        }

        // Nobody online, after hours: offline messages, e-mail, presence from open streams.
        migrator.registerMigration("2026-11-30-06-offline-and-email") { db in
            try db.execute(sql: """
                ALTER TABLE conversations ADD COLUMN offline INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE conversations ADD COLUMN transcript_requested INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE agents ADD COLUMN email TEXT;
                ALTER TABLE agents ADD COLUMN email_notifications INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE agents ADD COLUMN away_since INTEGER;

                CREATE TABLE emails (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    kind TEXT NOT NULL CHECK (kind IN ('offline_message', 'unseen_reply', 'transcript')),
                    conversation_id TEXT REFERENCES conversations(id) ON DELETE CASCADE,
                    recipient TEXT NOT NULL,
                    reply_to TEXT,
                    subject TEXT NOT NULL,
                    body TEXT NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('waiting', 'pending', 'sending', 'sent', 'cancelled', 'failed')),
                    not_before INTEGER NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    last_error TEXT,
                    anchor_seq INTEGER,
                    created_at INTEGER NOT NULL,
                    sent_at INTEGER
                );
                CREATE INDEX emails_due ON emails(state, not_before);
                CREATE INDEX emails_conversation ON emails(conversation_id, kind, state);

                CREATE TABLE stream_presence (
                    subject TEXT PRIMARY KEY NOT NULL,
                    open INTEGER NOT NULL,
                    changed_at INTEGER NOT NULL
                ) WITHOUT ROWID;
                """)
        }

        // The messages table again, with the same columns, keys and indexes, its two
        // CHECK constraints written as comparisons instead of IN lists: SQLite evaluates a
        // constant IN list of three or more items through an ephemeral B-tree it opens and
        // closes per row, and every message insert paid that twice (perf, DWARF stacks:
        // sqlite3BtreeOpen / sqlite3PagerOpen under the INSERT, ~25 % of it). The rows
        // keep their `seq`, and the AUTOINCREMENT counter carries over, so no seq is reused.
        migrator.registerMigration("2026-11-30-07-messages-checks-without-in-lists", foreignKeyChecks: .deferred) { db in
            try db.execute(sql: """
                CREATE TABLE messages_new (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    id TEXT NOT NULL UNIQUE,
                    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
                    sender_type TEXT NOT NULL CHECK (sender_type = 'customer' OR sender_type = 'bot'
                                                     OR sender_type = 'agent' OR sender_type = 'system'),
                    sender_agent_id TEXT REFERENCES agents(id),
                    kind TEXT NOT NULL CHECK (kind = 'text' OR kind = 'quick_reply' OR kind = 'event'),
                    content TEXT NOT NULL,
                    metadata TEXT,
                    client_message_id TEXT,
                    reply_to_seq INTEGER,
                    created_at INTEGER NOT NULL,
                    UNIQUE (conversation_id, client_message_id)
                );
                INSERT INTO messages_new (seq, id, conversation_id, sender_type, sender_agent_id, kind, content, metadata,
                                          client_message_id, reply_to_seq, created_at)
                    SELECT seq, id, conversation_id, sender_type, sender_agent_id, kind, content, metadata,
                           client_message_id, reply_to_seq, created_at FROM messages;
                DELETE FROM sqlite_sequence WHERE name = 'messages_new';
                INSERT INTO sqlite_sequence (name, seq) SELECT 'messages_new', seq FROM sqlite_sequence WHERE name = 'messages';
                DROP TABLE messages;
                ALTER TABLE messages_new RENAME TO messages;
                CREATE INDEX messages_conversation ON messages(conversation_id, seq);
                CREATE INDEX messages_reply ON messages(reply_to_seq) WHERE reply_to_seq IS NOT NULL;
                """)
        }

        // Known customers (issue 19). Every conversation belongs to a contact; the ones that
        // exist get an anonymous contact each, with the conversation's id as the contact's
        // (both are random UUIDs, so they cannot collide, and the backfill is one statement).
        // A contact's name is the one the shopper gave (a pre-chat or offline form), never the
        // generated "Visitor ABCD". A verified and an unverified contact may share an external
        // id: they are different people as far as the desk can tell (API.md "Bare ids").
        migrator.registerMigration("2026-12-07-01-known-customers") { db in
            try db.execute(sql: """
                CREATE TABLE IF NOT EXISTS contacts (
                    id TEXT PRIMARY KEY NOT NULL,
                    external_id TEXT,
                    verified INTEGER NOT NULL DEFAULT 0,
                    name TEXT,
                    email TEXT,
                    name_from_token INTEGER NOT NULL DEFAULT 0,
                    email_from_token INTEGER NOT NULL DEFAULT 0,
                    created_at INTEGER NOT NULL,
                    last_seen_at INTEGER NOT NULL
                );
                CREATE UNIQUE INDEX IF NOT EXISTS contacts_external ON contacts(external_id, verified) WHERE external_id IS NOT NULL;
                CREATE INDEX IF NOT EXISTS contacts_seen ON contacts(last_seen_at);
                CREATE INDEX IF NOT EXISTS contacts_name ON contacts(name COLLATE NOCASE) WHERE name IS NOT NULL;
                CREATE INDEX IF NOT EXISTS contacts_email ON contacts(email COLLATE NOCASE) WHERE email IS NOT NULL;
                CREATE INDEX IF NOT EXISTS contacts_external_search ON contacts(external_id COLLATE NOCASE) WHERE external_id IS NOT NULL;

                """)
            // Idempotent, like the others, so a migration recorded as missing can run again.
            if try !db.columns(in: "conversations").contains(where: { $0.name == "contact_id" }) {
                try db.execute(sql: "ALTER TABLE conversations ADD COLUMN contact_id TEXT REFERENCES contacts(id)")
            }
            try db.execute(sql: """
                INSERT OR IGNORE INTO contacts (id, name, email, created_at, last_seen_at)
                    SELECT id, CASE WHEN contact_source IS NULL THEN NULL ELSE customer_display_name END, customer_email,
                           created_at, updated_at FROM conversations WHERE contact_id IS NULL;
                UPDATE conversations SET contact_id = id WHERE contact_id IS NULL;
                CREATE INDEX IF NOT EXISTS conversations_contact ON conversations(contact_id, created_at);

                CREATE TABLE IF NOT EXISTS customer_sessions (
                    id TEXT PRIMARY KEY NOT NULL,
                    token_hash BLOB NOT NULL UNIQUE,
                    contact_id TEXT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
                    created_at INTEGER NOT NULL,
                    expires_at INTEGER NOT NULL,
                    revoked_at INTEGER
                );
                CREATE INDEX IF NOT EXISTS customer_sessions_contact ON customer_sessions(contact_id);

                CREATE TABLE IF NOT EXISTS identity_secrets (
                    id TEXT PRIMARY KEY NOT NULL,
                    secret TEXT NOT NULL,
                    created_at INTEGER NOT NULL
                );

                CREATE TABLE IF NOT EXISTS widget_blocked_sites (
                    origin TEXT PRIMARY KEY NOT NULL,
                    last_seen_at INTEGER NOT NULL,
                    attempts INTEGER NOT NULL
                );
                """)
        }

        // Invitations and forgotten passwords (issue 25): single-use links kept as the SHA-256
        // of their token, two new e-mail kinds (the emails table again: its kind CHECK lists
        // them; same columns, rows and ids, the AUTOINCREMENT counter carried over as for messages), and the
        // demo accounts marked, so the sign-in page's note about their printed passwords shows
        // only while one still has it. A desk migrated from before has none marked: hiding a
        // hint is safer than promising a password that may have changed. Idempotent, like the
        // others.
        migrator.registerMigration("2026-12-07-02-password-links", foreignKeyChecks: .deferred) { db in
            let emailsSQL = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'emails'") ?? ""
            if !emailsSQL.contains("password_reset") {
                try db.execute(sql: """
                    CREATE TABLE emails_new (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        kind TEXT NOT NULL CHECK (kind = 'offline_message' OR kind = 'unseen_reply' OR kind = 'transcript'
                                                  OR kind = 'invitation' OR kind = 'password_reset'),
                        conversation_id TEXT REFERENCES conversations(id) ON DELETE CASCADE,
                        recipient TEXT NOT NULL,
                        reply_to TEXT,
                        subject TEXT NOT NULL,
                        body TEXT NOT NULL,
                        state TEXT NOT NULL CHECK (state IN ('waiting', 'pending', 'sending', 'sent', 'cancelled', 'failed')),
                        not_before INTEGER NOT NULL,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        last_error TEXT,
                        anchor_seq INTEGER,
                        created_at INTEGER NOT NULL,
                        sent_at INTEGER
                    );
                    INSERT INTO emails_new SELECT id, kind, conversation_id, recipient, reply_to, subject, body, state, not_before,
                                                  attempts, last_error, anchor_seq, created_at, sent_at FROM emails;
                    DELETE FROM sqlite_sequence WHERE name = 'emails_new';
                    INSERT INTO sqlite_sequence (name, seq) SELECT 'emails_new', seq FROM sqlite_sequence WHERE name = 'emails';
                    DROP TABLE emails;
                    ALTER TABLE emails_new RENAME TO emails;
                    CREATE INDEX emails_due ON emails(state, not_before);
                    CREATE INDEX emails_conversation ON emails(conversation_id, kind, state);
                    """)
            }
            if try !db.columns(in: "agents").contains(where: { $0.name == "demo" }) {
                try db.execute(sql: "ALTER TABLE agents ADD COLUMN demo INTEGER NOT NULL DEFAULT 0")
            }
            try db.execute(sql: """
                CREATE TABLE IF NOT EXISTS password_links (
                    id TEXT PRIMARY KEY NOT NULL,
                    agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
                    purpose TEXT NOT NULL CHECK (purpose = 'invite' OR purpose = 'reset'),
                    token_hash BLOB NOT NULL UNIQUE,
                    created_at INTEGER NOT NULL,
                    expires_at INTEGER NOT NULL,
                    used_at INTEGER
                );
                CREATE INDEX IF NOT EXISTS password_links_agent ON password_links(agent_id, purpose, created_at);
                CREATE INDEX IF NOT EXISTS agents_email ON agents(email COLLATE NOCASE) WHERE email IS NOT NULL;
                """)
        }

        // Private notes (issue 21): their own table, so nothing that reads messages (the
        // customer's lists, transcripts, e-mails, `last_message`) can ever return one.
        migrator.registerMigration("2026-12-07-03-private-notes") { db in
            try db.execute(sql: """
                CREATE TABLE IF NOT EXISTS notes (
                    id TEXT PRIMARY KEY NOT NULL,
                    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
                    author_agent_id TEXT NOT NULL REFERENCES agents(id),
                    content TEXT NOT NULL,
                    mentions TEXT NOT NULL,
                    created_at INTEGER NOT NULL
                );
                CREATE INDEX IF NOT EXISTS notes_conversation ON notes(conversation_id, created_at);
                """)
        }

        // Canned replies (issue 21): a shortcut is unique within its scope and owner (the
        // team's, or one agent's own); an agent's own go with the agent.
        migrator.registerMigration("2026-12-07-04-canned-replies") { db in
            try db.execute(sql: """
                CREATE TABLE IF NOT EXISTS canned_replies (
                    id TEXT PRIMARY KEY NOT NULL,
                    shortcut TEXT NOT NULL,
                    title TEXT NOT NULL,
                    content TEXT NOT NULL,
                    scope TEXT NOT NULL CHECK (scope = 'team' OR scope = 'personal'),
                    owner_agent_id TEXT REFERENCES agents(id) ON DELETE CASCADE,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL,
                    CHECK ((scope = 'team') = (owner_agent_id IS NULL))
                );
                CREATE UNIQUE INDEX IF NOT EXISTS canned_replies_shortcut ON canned_replies(scope, COALESCE(owner_agent_id, ''), shortcut);
                CREATE INDEX IF NOT EXISTS canned_replies_owner ON canned_replies(owner_agent_id);
                """)
        }

        // Unread and awaiting reply (issue 21): a read cursor per agent and conversation, and
        // since when the customer waits, kept by the same UPDATE that records a message's
        // activity (so the lists filter on a column instead of scanning messages). The
        // backfill: the first customer message after the last agent message.
        migrator.registerMigration("2026-12-07-05-unread") { db in
            if try !db.columns(in: "conversations").contains(where: { $0.name == "awaiting_since" }) {
                try db.execute(sql: "ALTER TABLE conversations ADD COLUMN awaiting_since INTEGER")
            }
            try db.execute(sql: """
                UPDATE conversations SET awaiting_since = (
                    SELECT MIN(m.created_at) FROM messages m
                    WHERE m.conversation_id = conversations.id AND m.sender_type = 'customer'
                      AND m.seq > COALESCE((SELECT MAX(a.seq) FROM messages a
                                            WHERE a.conversation_id = conversations.id AND a.sender_type = 'agent'), 0))
                WHERE awaiting_since IS NULL;
                CREATE TABLE IF NOT EXISTS read_cursors (
                    agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
                    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
                    seq INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL,
                    PRIMARY KEY (agent_id, conversation_id)
                ) WITHOUT ROWID;
                CREATE INDEX IF NOT EXISTS conversations_awaiting ON conversations(awaiting_since) WHERE awaiting_since IS NOT NULL;
                """)
        }

        // Labels (issue 21): names unique ignoring case; a label leaves every conversation
        // with it when deleted.
        migrator.registerMigration("2026-12-07-06-labels") { db in
            try db.execute(sql: """
                CREATE TABLE IF NOT EXISTS labels (
                    id TEXT PRIMARY KEY NOT NULL,
                    name TEXT NOT NULL,
                    color TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                );
                CREATE UNIQUE INDEX IF NOT EXISTS labels_name ON labels(name COLLATE NOCASE);
                CREATE TABLE IF NOT EXISTS conversation_labels (
                    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
                    label_id TEXT NOT NULL REFERENCES labels(id) ON DELETE CASCADE,
                    PRIMARY KEY (conversation_id, label_id)
                ) WITHOUT ROWID;
                CREATE INDEX IF NOT EXISTS conversation_labels_label ON conversation_labels(label_id, conversation_id);
                """)
        }

        // Full-text search (issue 21): FTS5 indexes over messages, notes and contacts, each
        // an external-content table (the text is stored once, in its own table) kept by
        // triggers in the same transaction as the write; `unicode61 remove_diacritics 2`
        // folds case and accents ("cafe" finds "café"). A scan with LIKE '%…%' read every
        // message; the index reads the matching rows only (BENCHMARKS.md). The index is
        // built from the rows that exist.
        migrator.registerMigration("2026-12-07-07-search") { db in
            try db.execute(sql: """
                CREATE VIRTUAL TABLE IF NOT EXISTS messages_fts USING fts5(
                    content, content='messages', content_rowid='seq', tokenize='unicode61 remove_diacritics 2');
                CREATE VIRTUAL TABLE IF NOT EXISTS notes_fts USING fts5(
                    content, content='notes', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2');
                CREATE VIRTUAL TABLE IF NOT EXISTS contacts_fts USING fts5(
                    name, email, external_id, content='contacts', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2');

                CREATE TRIGGER IF NOT EXISTS messages_fts_insert AFTER INSERT ON messages BEGIN
                    INSERT INTO messages_fts (rowid, content) VALUES (new.seq, new.content);
                END;
                CREATE TRIGGER IF NOT EXISTS messages_fts_delete AFTER DELETE ON messages BEGIN
                    INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.seq, old.content);
                END;
                CREATE TRIGGER IF NOT EXISTS notes_fts_insert AFTER INSERT ON notes BEGIN
                    INSERT INTO notes_fts (rowid, content) VALUES (new.rowid, new.content);
                END;
                CREATE TRIGGER IF NOT EXISTS notes_fts_delete AFTER DELETE ON notes BEGIN
                    INSERT INTO notes_fts (notes_fts, rowid, content) VALUES ('delete', old.rowid, old.content);
                END;
                CREATE TRIGGER IF NOT EXISTS contacts_fts_insert AFTER INSERT ON contacts BEGIN
                    INSERT INTO contacts_fts (rowid, name, email, external_id) VALUES (new.rowid, new.name, new.email, new.external_id);
                END;
                CREATE TRIGGER IF NOT EXISTS contacts_fts_delete AFTER DELETE ON contacts BEGIN
                    INSERT INTO contacts_fts (contacts_fts, rowid, name, email, external_id)
                    VALUES ('delete', old.rowid, old.name, old.email, old.external_id);
                END;
                CREATE TRIGGER IF NOT EXISTS contacts_fts_update AFTER UPDATE OF name, email, external_id ON contacts BEGIN
                    INSERT INTO contacts_fts (contacts_fts, rowid, name, email, external_id)
                    VALUES ('delete', old.rowid, old.name, old.email, old.external_id);
                    INSERT INTO contacts_fts (rowid, name, email, external_id) VALUES (new.rowid, new.name, new.email, new.external_id);
                END;

                INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');
                INSERT INTO notes_fts (notes_fts) VALUES ('rebuild');
                INSERT INTO contacts_fts (contacts_fts) VALUES ('rebuild');
                """)
        }

        // Ratings and reports (issue 23): a rating belongs to one closing of a conversation;
        // the first response (time and author) is a column written with the first agent
        // reply, so a report of 100,000 conversations reads no messages. The backfill: the
        // first agent message at or after the request for a person.
        migrator.registerMigration("2026-12-07-08-ratings-reports") { db in
            let columns = try db.columns(in: "conversations").map(\.name)
            if !columns.contains("first_response_at") {
                try db.execute(sql: "ALTER TABLE conversations ADD COLUMN first_response_at INTEGER")
            }
            if !columns.contains("first_response_agent_id") {
                try db.execute(sql: "ALTER TABLE conversations ADD COLUMN first_response_agent_id TEXT")
            }
            try db.execute(sql: """
                UPDATE conversations SET (first_response_at, first_response_agent_id) = (
                    SELECT m.created_at, m.sender_agent_id FROM messages m
                    WHERE m.conversation_id = conversations.id AND m.sender_type = 'agent'
                      AND m.created_at >= COALESCE(conversations.requested_agent_at, 0)
                    ORDER BY m.seq LIMIT 1)
                WHERE has_agent_replied = 1 AND first_response_at IS NULL;
                CREATE TABLE IF NOT EXISTS ratings (
                    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
                    closed_at INTEGER NOT NULL,
                    score INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
                    comment TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    PRIMARY KEY (conversation_id, closed_at)
                ) WITHOUT ROWID;
                CREATE INDEX IF NOT EXISTS conversations_created ON conversations(created_at);
                """)
        }

        // The current closing's score as a column of the conversation, written with the
        // rating (a reopening would clear it): reports then join no ratings, which was two
        // thirds of their SQL time over 100,000 conversations (BENCHMARKS.md "reports").
        migrator.registerMigration("2026-12-07-09-rating-score") { db in
            if try !db.columns(in: "conversations").contains(where: { $0.name == "rating_score" }) {
                try db.execute(sql: "ALTER TABLE conversations ADD COLUMN rating_score INTEGER")
            }
            try db.execute(sql: """
                UPDATE conversations SET rating_score = (
                    SELECT r.score FROM ratings r WHERE r.conversation_id = conversations.id AND r.closed_at = conversations.closed_at)
                WHERE closed_at IS NOT NULL AND rating_score IS NULL
                """)
        }

        // Integrations (issue 24): API keys act through agents rows of their own
        // (`integration = 1`), webhook endpoints and their deliveries (the outbox the
        // background sender reads: each row written in the transaction of its change).
        // The emails table again for one more kind (`webhook_disabled`: the admins hear of an
        // endpoint disabled after a day of failures), as migration 02 did.
        migrator.registerMigration("2026-12-08-10-integrations", foreignKeyChecks: .deferred) { db in
            let emailsSQL = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'emails'") ?? ""
            if !emailsSQL.contains("webhook_disabled") {
                try db.execute(sql: """
                    CREATE TABLE emails_new (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        kind TEXT NOT NULL CHECK (kind = 'offline_message' OR kind = 'unseen_reply' OR kind = 'transcript'
                                                  OR kind = 'invitation' OR kind = 'password_reset' OR kind = 'webhook_disabled'),
                        conversation_id TEXT REFERENCES conversations(id) ON DELETE CASCADE,
                        recipient TEXT NOT NULL,
                        reply_to TEXT,
                        subject TEXT NOT NULL,
                        body TEXT NOT NULL,
                        state TEXT NOT NULL CHECK (state IN ('waiting', 'pending', 'sending', 'sent', 'cancelled', 'failed')),
                        not_before INTEGER NOT NULL,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        last_error TEXT,
                        anchor_seq INTEGER,
                        created_at INTEGER NOT NULL,
                        sent_at INTEGER
                    );
                    INSERT INTO emails_new SELECT id, kind, conversation_id, recipient, reply_to, subject, body, state, not_before,
                                                  attempts, last_error, anchor_seq, created_at, sent_at FROM emails;
                    DELETE FROM sqlite_sequence WHERE name = 'emails_new';
                    INSERT INTO sqlite_sequence (name, seq) SELECT 'emails_new', seq FROM sqlite_sequence WHERE name = 'emails';
                    DROP TABLE emails;
                    ALTER TABLE emails_new RENAME TO emails;
                    CREATE INDEX emails_due ON emails(state, not_before);
                    CREATE INDEX emails_conversation ON emails(conversation_id, kind, state);
                    """)
            }
            if try !db.columns(in: "agents").contains(where: { $0.name == "integration" }) {
                try db.execute(sql: "ALTER TABLE agents ADD COLUMN integration INTEGER NOT NULL DEFAULT 0")
            }
            if try !db.columns(in: "audit_log").contains(where: { $0.name == "actor_integration" }) {
                try db.execute(sql: "ALTER TABLE audit_log ADD COLUMN actor_integration TEXT")
            }
            try db.execute(sql: """
                CREATE TABLE IF NOT EXISTS api_keys (
                    id TEXT PRIMARY KEY REFERENCES agents(id),
                    prefix TEXT NOT NULL,
                    key_hash BLOB NOT NULL UNIQUE,
                    created_at INTEGER NOT NULL,
                    revoked_at INTEGER
                );
                CREATE TABLE IF NOT EXISTS webhooks (
                    id TEXT PRIMARY KEY,
                    url TEXT NOT NULL,
                    description TEXT NOT NULL,
                    events TEXT NOT NULL,
                    enabled INTEGER NOT NULL,
                    secret TEXT NOT NULL,
                    previous_secret TEXT,
                    previous_secret_expires_at INTEGER,
                    disabled_reason TEXT,
                    last_attempt_at INTEGER,
                    last_status_code INTEGER,
                    failing_since INTEGER,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                );
                CREATE TABLE IF NOT EXISTS webhook_deliveries (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    webhook_id TEXT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
                    message_id TEXT NOT NULL,
                    event_type TEXT NOT NULL,
                    body TEXT NOT NULL,
                    state TEXT NOT NULL CHECK (state = 'pending' OR state = 'delivered' OR state = 'failed'),
                    attempts INTEGER NOT NULL DEFAULT 0,
                    last_status_code INTEGER,
                    last_error TEXT,
                    next_attempt_at INTEGER,
                    lease_until INTEGER NOT NULL DEFAULT 0,
                    lease_token TEXT,
                    first_attempt_at INTEGER,
                    last_attempt_at INTEGER,
                    created_at INTEGER NOT NULL,
                    delivered_at INTEGER,
                    conversation_id TEXT,
                    contact_id TEXT
                );
                CREATE INDEX IF NOT EXISTS webhook_deliveries_log ON webhook_deliveries(webhook_id, id);
                CREATE INDEX IF NOT EXISTS webhook_deliveries_pending ON webhook_deliveries(webhook_id, id) WHERE state = 'pending';
                CREATE INDEX IF NOT EXISTS webhook_deliveries_created ON webhook_deliveries(created_at);
                CREATE INDEX IF NOT EXISTS webhook_deliveries_conversation ON webhook_deliveries(conversation_id)
                    WHERE conversation_id IS NOT NULL;
                CREATE INDEX IF NOT EXISTS webhook_deliveries_contact ON webhook_deliveries(contact_id) WHERE contact_id IS NOT NULL;
                """)
        }

        // Files in conversations (issue 22): one row per upload (the file itself is kept once
        // per content, on disk), and what a message carries as a column of the message, so
        // reading messages joins nothing.
        migrator.registerMigration("2026-12-08-11-attachments") { db in
            if try !db.columns(in: "messages").contains(where: { $0.name == "attachments" }) {
                try db.execute(sql: "ALTER TABLE messages ADD COLUMN attachments TEXT")
            }
            try db.execute(sql: """
                CREATE TABLE IF NOT EXISTS attachments (
                    id TEXT PRIMARY KEY,
                    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
                    side TEXT NOT NULL CHECK (side = 'customer' OR side = 'agent'),
                    filename TEXT NOT NULL,
                    content_type TEXT NOT NULL,
                    size INTEGER NOT NULL,
                    sha256 TEXT NOT NULL,
                    width INTEGER,
                    height INTEGER,
                    has_preview INTEGER NOT NULL,
                    message_id TEXT,
                    created_at INTEGER NOT NULL
                );
                CREATE INDEX IF NOT EXISTS attachments_unused ON attachments(created_at) WHERE message_id IS NULL;
                CREATE INDEX IF NOT EXISTS attachments_sha256 ON attachments(sha256);
                CREATE INDEX IF NOT EXISTS attachments_conversation ON attachments(conversation_id);
                """)
        }

        return migrator
    }
}

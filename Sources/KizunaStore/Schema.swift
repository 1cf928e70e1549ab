import GRDB

/// The store's schema as named, forward-only migrations. A migration, once released, is never
/// edited: a change is a new migration appended here.
enum Schema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-schema", migrate: v1)
        migrator.registerMigration("v2-inbound", migrate: v2)
        migrator.registerMigration("v3-bounces", migrate: v3Bounces)
        migrator.registerMigration("v4-held-commands", migrate: v4HeldCommands)
        migrator.registerMigration("v5-reports", migrate: v5Reports)
        migrator.registerMigration("v6-care-loss", migrate: v6CareLoss)
        migrator.registerMigration("v7-care-overdue", migrate: v7CareOverdue)
        migrator.registerMigration("v8-openpgp-keys", migrate: v8OpenPGPKeys)
        migrator.registerMigration("v9-admin-mail", migrate: v9AdminMail)
        migrator.registerMigration("v10-surveys", migrate: v10Surveys)
        return migrator
    }

    /// Text shaped like `YYYY-MM-DD`, for CHECK constraints on civil dates.
    private static func isDate(_ column: String) -> String {
        "\(column) GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'"
    }

    private static func v1(_ db: Database) throws {
        // STRICT tables: SQLite refuses a value of the wrong type instead of storing it.
        try db.execute(sql: """
            CREATE TABLE settings (
                key TEXT PRIMARY KEY NOT NULL,
                value TEXT NOT NULL
            ) STRICT;

            CREATE TABLE subscribers (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                address TEXT NOT NULL CHECK (address LIKE '%_@_%'),
                address_key TEXT NOT NULL CHECK (address_key LIKE '%_@_%'),
                edition TEXT NOT NULL CHECK (edition <> ''),
                language TEXT NOT NULL CHECK (language <> ''),
                area TEXT,
                status TEXT NOT NULL CHECK (status IN ('pending', 'active', 'paused', 'stopped', 'bouncing')),
                paused_until TEXT CHECK (paused_until IS NULL OR \(isDate("paused_until"))),
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL
            ) STRICT;
            -- One subscriber per address in an edition; a second child is a second subscription.
            -- The address comes first so that a sender is found without knowing the edition.
            CREATE UNIQUE INDEX subscribers_address_edition ON subscribers(address_key, edition);
            CREATE INDEX subscribers_status ON subscribers(status);

            CREATE TABLE subscriptions (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                subscriber_id INTEGER NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
                track TEXT NOT NULL CHECK (track IN ('pregnancy', 'child')),
                anchor_date TEXT NOT NULL CHECK (\(isDate("anchor_date"))),
                nickname TEXT,
                status TEXT NOT NULL CHECK (status IN ('active', 'stopped', 'ended')),
                start_date TEXT NOT NULL CHECK (\(isDate("start_date"))),
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL
            ) STRICT;
            -- Also the index for the foreign key (subscriber_id comes first).
            CREATE UNIQUE INDEX subscriptions_identity ON subscriptions(subscriber_id, track, anchor_date);

            CREATE TABLE deliveries (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                subscriber_id INTEGER NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
                kind TEXT NOT NULL CHECK (kind IN ('daily', 'system')),
                local_date TEXT NOT NULL CHECK (\(isDate("local_date"))),
                recipient TEXT NOT NULL CHECK (recipient <> ''),
                status TEXT NOT NULL CHECK (status IN ('planned', 'queued', 'sent', 'deferred', 'bounced', 'cancelled')),
                message_id TEXT UNIQUE,
                subject TEXT,
                envelope_from TEXT,
                attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
                smtp_code INTEGER CHECK (smtp_code IS NULL OR smtp_code BETWEEN 100 AND 599),
                smtp_reply TEXT,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL
            ) STRICT;
            -- At most one daily email per recipient per day, however many children they follow.
            CREATE UNIQUE INDEX deliveries_one_daily ON deliveries(subscriber_id, local_date) WHERE kind = 'daily';
            CREATE INDEX deliveries_subscriber ON deliveries(subscriber_id, id);
            CREATE INDEX deliveries_status ON deliveries(status);
            CREATE INDEX deliveries_local_date ON deliveries(local_date, status);

            CREATE TABLE delivery_items (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                delivery_id INTEGER REFERENCES deliveries(id) ON DELETE CASCADE,
                subscription_id INTEGER NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
                message_key TEXT NOT NULL CHECK (message_key <> ''),
                scheduled_date TEXT NOT NULL CHECK (\(isDate("scheduled_date"))),
                status TEXT NOT NULL CHECK (status IN ('included', 'skipped')),
                reason TEXT,
                -- An included message travels in a delivery; a skipped one may stand alone.
                CHECK (status <> 'included' OR delivery_id IS NOT NULL)
            ) STRICT;
            -- The ledger: a message is planned, sent or skipped at most once per subscription.
            CREATE UNIQUE INDEX delivery_items_ledger ON delivery_items(subscription_id, message_key);
            -- Covers the nightly "what is already done since D" look-up without reading the rows.
            CREATE INDEX delivery_items_by_date ON delivery_items(subscription_id, scheduled_date, message_key);
            CREATE INDEX delivery_items_delivery ON delivery_items(delivery_id);

            CREATE TABLE events (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                at TEXT NOT NULL,
                subscriber_id INTEGER REFERENCES subscribers(id) ON DELETE SET NULL,
                subscription_id INTEGER REFERENCES subscriptions(id) ON DELETE SET NULL,
                kind TEXT NOT NULL CHECK (kind <> ''),
                detail TEXT,
                message_id TEXT
            ) STRICT;
            CREATE INDEX events_subscriber ON events(subscriber_id, id);
            CREATE INDEX events_subscription ON events(subscription_id);
            CREATE INDEX events_at ON events(at);
            """)
    }

    /// The poller's tables: the inbound ledger, the IMAP position, the daily auto-reply
    /// counters and the rendered system mail that waits between the store and the spool.
    private static func v2(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE inbound_messages (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                mailbox TEXT NOT NULL CHECK (mailbox <> ''),
                uidvalidity INTEGER NOT NULL CHECK (uidvalidity >= 0),
                uid INTEGER NOT NULL CHECK (uid > 0),
                message_id TEXT,
                status TEXT NOT NULL CHECK (status IN ('fetched', 'applied', 'failed', 'ignored')),
                kind TEXT CHECK (kind IS NULL OR kind IN ('command', 'bounce', 'complaint', 'autoreply', 'other')),
                sender TEXT,
                subscriber_id INTEGER REFERENCES subscribers(id) ON DELETE SET NULL,
                decision TEXT,
                size INTEGER NOT NULL DEFAULT 0 CHECK (size >= 0),
                fetched_at TEXT NOT NULL,
                updated_at TEXT NOT NULL
            ) STRICT;
            -- A message is handled once: by its place in the mailbox, and by its Message-ID
            -- (the same message delivered twice, or copied back after a UIDVALIDITY change).
            CREATE UNIQUE INDEX inbound_messages_place ON inbound_messages(mailbox, uidvalidity, uid);
            CREATE UNIQUE INDEX inbound_messages_message_id ON inbound_messages(message_id) WHERE message_id IS NOT NULL;
            CREATE INDEX inbound_messages_status ON inbound_messages(status);

            CREATE TABLE imap_state (
                mailbox TEXT NOT NULL CHECK (mailbox <> ''),
                uidvalidity INTEGER NOT NULL CHECK (uidvalidity >= 0),
                last_uid INTEGER NOT NULL CHECK (last_uid >= 0),
                updated_at TEXT NOT NULL,
                PRIMARY KEY (mailbox, uidvalidity)
            ) STRICT;

            CREATE TABLE auto_reply_counts (
                address_key TEXT NOT NULL CHECK (address_key LIKE '%_@_%'),
                local_date TEXT NOT NULL CHECK (\(isDate("local_date"))),
                count INTEGER NOT NULL CHECK (count >= 0),
                PRIMARY KEY (address_key, local_date)
            ) STRICT;

            -- A system mail (reply, confirmation request, welcome) rendered in the transaction that
            -- decided it, kept until its spool file exists, so a crash in between never loses it.
            CREATE TABLE system_mail (
                delivery_id INTEGER PRIMARY KEY REFERENCES deliveries(id) ON DELETE CASCADE,
                inbound_id INTEGER REFERENCES inbound_messages(id) ON DELETE SET NULL,
                purpose TEXT NOT NULL CHECK (purpose <> ''),
                mail_from TEXT NOT NULL,
                message_id TEXT NOT NULL,
                subject TEXT NOT NULL,
                body BLOB NOT NULL
            ) STRICT;
            CREATE INDEX system_mail_inbound ON system_mail(inbound_id);
            """)
    }

    /// Commands from confirmed parents whose message failed authentication, waiting for the
    /// parent's confirmation: at most one per subscriber (a newer one replaces it).
    private static func v4HeldCommands(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE held_commands (
                subscriber_id INTEGER PRIMARY KEY REFERENCES subscribers(id) ON DELETE CASCADE,
                command TEXT NOT NULL CHECK (command <> ''),
                held_on TEXT NOT NULL CHECK (\(isDate("held_on"))),
                message_id TEXT,
                created_at TEXT NOT NULL
            ) STRICT;
            """)
    }
}

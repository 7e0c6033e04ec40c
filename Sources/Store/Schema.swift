import GRDB

/// Append-only migrations. Never edit a registered migration; add a new one.
enum Schema {
    static func migrator() -> DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1-sessions-messages-fts") { db in
            try db.execute(sql: """
                CREATE TABLE session (
                    id TEXT PRIMARY KEY NOT NULL,
                    title TEXT,
                    model TEXT NOT NULL DEFAULT '',
                    base_url TEXT NOT NULL DEFAULT '',
                    cwd TEXT NOT NULL DEFAULT '',
                    source TEXT NOT NULL DEFAULT 'cli',
                    parent_id TEXT REFERENCES session(id) ON DELETE SET NULL,
                    created_at REAL NOT NULL,
                    updated_at REAL NOT NULL,
                    archived INTEGER NOT NULL DEFAULT 0,
                    tags TEXT NOT NULL DEFAULT ''
                );
                CREATE INDEX session_updated ON session(updated_at);
                CREATE TABLE message (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    session_id TEXT NOT NULL REFERENCES session(id) ON DELETE CASCADE,
                    role TEXT NOT NULL,
                    content TEXT NOT NULL,
                    reasoning TEXT,
                    tool_calls TEXT,
                    tool_call_id TEXT,
                    name TEXT,
                    created_at REAL NOT NULL,
                    prompt_tokens INTEGER,
                    completion_tokens INTEGER
                );
                CREATE INDEX message_session ON message(session_id, id);
                CREATE TABLE tool_run (
                    call_id TEXT NOT NULL,
                    session_id TEXT NOT NULL REFERENCES session(id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    arguments TEXT NOT NULL,
                    status TEXT NOT NULL,
                    exit_code INTEGER,
                    output TEXT NOT NULL,
                    started_at REAL NOT NULL,
                    elapsed_ms INTEGER NOT NULL,
                    PRIMARY KEY (session_id, call_id)
                ) WITHOUT ROWID;
                CREATE TABLE skill_event (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    session_id TEXT REFERENCES session(id) ON DELETE SET NULL,
                    skill TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    outcome TEXT,
                    created_at REAL NOT NULL
                );
                CREATE TABLE memory_fact (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    kind TEXT NOT NULL,
                    text TEXT NOT NULL,
                    source_session_id TEXT REFERENCES session(id) ON DELETE SET NULL,
                    confidence REAL NOT NULL DEFAULT 1,
                    created_at REAL NOT NULL,
                    confirmed_at REAL NOT NULL
                );
                -- External-content index over message.content, filled by the Indexer in
                -- batches (never by triggers, so appends stay cheap and never wait on FTS).
                CREATE VIRTUAL TABLE message_fts USING fts5(
                    content, content='message', content_rowid='id',
                    tokenize='unicode61 remove_diacritics 2', prefix='3', detail=column
                );
                -- Larger index pages, lazier merging and a 16 MB in-memory term hash (flushed
                -- at each commit, so only a large catch-up uses it): ~2x indexing throughput.
                INSERT INTO message_fts(message_fts, rank) VALUES ('pgsz', 8000);
                INSERT INTO message_fts(message_fts, rank) VALUES ('automerge', 8);
                INSERT INTO message_fts(message_fts, rank) VALUES ('hashsize', 16777216);
                -- The highest message id the index holds; advanced in the same transaction
                -- as the FTS inserts, so a crash mid-batch leaves both unchanged.
                CREATE TABLE index_state (
                    name TEXT PRIMARY KEY NOT NULL,
                    last_id INTEGER NOT NULL
                ) WITHOUT ROWID;
                INSERT INTO index_state(name, last_id) VALUES ('message_fts', 0);
                """)
        }
        m.registerMigration("v2-memory") { db in
            // memory_fact (v1) was never written; memory_entry replaces it.
            try db.execute(sql: """
                DROP TABLE memory_fact;
                CREATE TABLE memory_entry (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    target TEXT NOT NULL,            -- notes | user | fact
                    text TEXT NOT NULL,
                    source_session_id TEXT REFERENCES session(id) ON DELETE SET NULL,
                    confidence REAL NOT NULL DEFAULT 1,
                    created_at REAL NOT NULL,
                    confirmed_at REAL NOT NULL,
                    removed_at REAL,                 -- out of the prompt, still searchable
                    flag TEXT                        -- why the user should look (a contradiction)
                );
                CREATE INDEX memory_entry_target ON memory_entry(target, removed_at);
                CREATE TABLE memory_history (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    entry_id INTEGER NOT NULL,
                    action TEXT NOT NULL,            -- add | replace | remove | restore | edit
                    old_text TEXT,
                    new_text TEXT,
                    session_id TEXT,
                    created_at REAL NOT NULL
                );
                CREATE INDEX memory_history_entry ON memory_history(entry_id);
                -- Small and written rarely: kept in step by triggers.
                CREATE VIRTUAL TABLE memory_fts USING fts5(text, content='memory_entry', content_rowid='id',
                    tokenize='unicode61 remove_diacritics 2');
                CREATE TRIGGER memory_ai AFTER INSERT ON memory_entry BEGIN
                    INSERT INTO memory_fts(rowid, text) VALUES (new.id, new.text);
                END;
                CREATE TRIGGER memory_ad AFTER DELETE ON memory_entry BEGIN
                    INSERT INTO memory_fts(memory_fts, rowid, text) VALUES ('delete', old.id, old.text);
                END;
                CREATE TRIGGER memory_au AFTER UPDATE OF text ON memory_entry BEGIN
                    INSERT INTO memory_fts(memory_fts, rowid, text) VALUES ('delete', old.id, old.text);
                    INSERT INTO memory_fts(rowid, text) VALUES (new.id, new.text);
                END;
                -- Context compressions: which stored messages a summary stands for in the
                -- model's context (the messages themselves stay).
                CREATE TABLE compaction (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    session_id TEXT NOT NULL REFERENCES session(id) ON DELETE CASCADE,
                    first_message_id INTEGER NOT NULL,
                    last_message_id INTEGER NOT NULL,
                    summary TEXT,                    -- NULL: summarising failed, the range was dropped
                    created_at REAL NOT NULL
                );
                CREATE INDEX compaction_session ON compaction(session_id, id);
                -- session_search summaries, per session and query.
                CREATE TABLE session_summary (
                    session_id TEXT NOT NULL REFERENCES session(id) ON DELETE CASCADE,
                    query TEXT NOT NULL,
                    summary TEXT NOT NULL,
                    created_at REAL NOT NULL,
                    PRIMARY KEY (session_id, query)
                ) WITHOUT ROWID;
                """)
        }
        m.registerMigration("v3-message-images") { db in
            // The images a message carries: JSON [ImageRef] (copies in the image store), or NULL.
            try db.execute(sql: "ALTER TABLE message ADD COLUMN images TEXT")
        }
        m.registerMigration("v4-unsegmented-pairs") { db in
            // Substrings of Chinese, Japanese, Korean, Thai… (see Unsegmented): pairs of characters
            // of the messages that hold such text only, no copy of the text (contentless).
            try db.execute(sql: """
                CREATE VIRTUAL TABLE message_pairs USING fts5(pairs, content='', tokenize='ascii', detail=full);
                """)
            // What the main index already holds gets its pairs now; later messages as they are indexed.
            let indexed = try Int64.fetchOne(db, sql: "SELECT last_id FROM index_state WHERE name = 'message_fts'") ?? 0
            try Indexer.indexPairs(db, after: 0, through: indexed)
        }
        m.registerMigration("v5-cron-gateway") { db in
            try db.execute(sql: """
                CREATE TABLE cron_job (
                    id TEXT PRIMARY KEY NOT NULL,
                    schedule TEXT NOT NULL,          -- CronSchedule's stored form
                    prompt TEXT NOT NULL,
                    deliver TEXT NOT NULL DEFAULT 'log',
                    workdir TEXT NOT NULL,
                    paused INTEGER NOT NULL DEFAULT 0,
                    next_run REAL,                   -- NULL: nothing left to run (an `at` job that ran)
                    last_run REAL,
                    last_status TEXT,
                    last_session TEXT,
                    created_at REAL NOT NULL
                );
                CREATE INDEX cron_job_next ON cron_job(next_run);
                -- One session per chat (thread): the gateway resumes it across messages and restarts.
                CREATE TABLE gateway_chat (
                    platform TEXT NOT NULL,
                    chat TEXT NOT NULL,
                    session_id TEXT NOT NULL,
                    updated_at REAL NOT NULL,
                    PRIMARY KEY (platform, chat)
                ) WITHOUT ROWID;
                -- Every update taken from a platform, with the cursor it moved to in the same
                -- transaction: a restart resumes after it and never handles one twice.
                CREATE TABLE gateway_inbox (
                    platform TEXT NOT NULL,
                    update_id TEXT NOT NULL,
                    chat TEXT NOT NULL,
                    user TEXT NOT NULL,
                    body TEXT NOT NULL,               -- the decoded update (JSON)
                    state TEXT NOT NULL,              -- received | working | done
                    received_at REAL NOT NULL,
                    PRIMARY KEY (platform, update_id)
                ) WITHOUT ROWID;
                CREATE INDEX gateway_inbox_state ON gateway_inbox(state);
                CREATE TABLE gateway_cursor (
                    platform TEXT PRIMARY KEY NOT NULL,
                    cursor TEXT NOT NULL
                );
                -- Users the owner let in with `talaria gateway pair CODE`, and codes waiting.
                CREATE TABLE gateway_user (
                    platform TEXT NOT NULL,
                    user TEXT NOT NULL,
                    name TEXT NOT NULL DEFAULT '',
                    code TEXT,
                    approved INTEGER NOT NULL DEFAULT 0,
                    created_at REAL NOT NULL,
                    PRIMARY KEY (platform, user)
                ) WITHOUT ROWID;
                """)
        }
        return m
    }
}

import AgentProtocol

/// Every setting's default, written once: the settings types start from these, the session
/// builder falls back to them, and `talaria config init` prints them in its template (a test
/// checks that uncommenting the template changes nothing).
public enum Defaults {
    /// Model requests per turn.
    public static let maxIterations = 50
    /// Characters of each tool's output the model sees.
    public static let toolOutputLimit = 16_000
    /// The variable that holds the API key.
    public static let apiKeyEnv = "OPENAI_API_KEY"
    public static let approvals = ApprovalPolicy.ask
    public static let backend = BackendKind.local
    public static let theme = "dark"
    /// How the TUI gets your attention while its window is not focused (`notify:`), and after
    /// how many seconds a finished turn is worth it (`notify_after:`).
    public static let notify = "bell"
    public static let notifyAfter = 10
    public static let keymap = "default"
    /// Seconds a hook's command may run.
    public static let hookTimeout = 60.0

    /// The `memory:` section.
    public enum Memory {
        /// Characters of agent notes in the prompt (as Hermes).
        public static let notesLimit = 2200
        /// Characters of the user profile in the prompt (as Hermes).
        public static let userLimit = 1375
        /// User turns between reminders to save what matters.
        public static let nudgeEvery = 10
        /// Share of the context window at which older turns are compressed.
        public static let compressAt = 0.5
        /// User turns between user-model passes.
        public static let factsEvery = 5
        /// Days a derived fact stays in the prompt unconfirmed.
        public static let staleDays = 60
    }

    /// The `skills:` section.
    public enum Skills {
        /// Tool iterations in a turn before it is reviewed for a skill.
        public static let reviewAfter = 10
        /// Tokens of the skills catalogue in the prompt.
        public static let catalogBudget = 2_000
        /// Days unused before `talaria skills curate` calls a skill stale.
        public static let staleDays = 90
    }

    /// The `loop_guard:` section.
    /// `gateways:` — messaging platforms.
    public enum Gateway {
        /// Seconds before an unanswered approval in a chat is denied.
        public static let approvalTimeout = 300
    }

    /// `delegation:` — subagents.
    public enum Delegation {
        public static let maxConcurrent = 3
        public static let maxDepth = 2
    }

    /// `checkpoints:` — workspace snapshots before a turn's file changes.
    public enum Checkpoints {
        public static let keepDays = 14
        public static let maxFiles = 50_000
        public static let maxSizeMB = 512
    }

    /// `web:` — web_fetch and web_search.
    public enum Web {
        /// Characters of a page the model reads per call.
        public static let maxChars = 12_000
        /// Bytes of a response read at most.
        public static let maxBytes = 5_000_000
        public static let maxRedirects = 5
        public static let timeoutSeconds = 20.0
        public static let searchResults = 5
    }

    public enum LoopGuard {
        public static let warnAfter = 2
        public static let stopAfter = 4
        public static let failureStreak = 6
    }
}

/// config.yaml `approvals:` — what happens to a command that needs approval.
public enum ApprovalPolicy: String, Sendable, Hashable, CaseIterable {
    /// The interface asks (in a one-shot run, with nobody to ask, it is refused).
    case ask
    /// Run it (as `--yes`).
    case yes
    /// Refuse it, telling the model why.
    case deny
}

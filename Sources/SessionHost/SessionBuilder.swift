import AgentCore
import AgentProtocol
import AgentTools
import Checkpoints
import Config
import Exec
import Foundation
import LLMClient
import Memory
import Schedule
import Skills
import Store
import Web

/// What a front-end asks for when it opens a session.
public struct SessionRequest: Sendable {
    /// The folder the tools work in.
    public var cwd: String
    public var source: SessionSource
    /// Continue a stored session (id or unique prefix).
    public var resume: String?
    /// Another model than the configured one.
    public var model: String?
    /// Another server than the configured one (same API key).
    public var baseURL: String?
    /// Over config.yaml's `approvals:` (`--yes` is `.yes`).
    public var approvals: ApprovalPolicy?
    /// Whether someone can answer an approval; without, `ask` refuses (one-shot runs).
    public var interactive: Bool
    /// Where commands run when several sessions share one (the interface's container or
    /// connection); nil: the session gets its own from config.yaml, released when it closes.
    public var backend: (any ExecutionBackend)?
    /// Tools of this session only, beside the builder's (an editor's MCP servers).
    public var toolSources: [any ToolSource] = []
    /// For a subagent: the session that delegated it, how deep it is, the tools it may use
    /// (nil: all) and its own budget (nil: the configured one).
    public var parentID: String?
    public var depth = 0
    public var allowedTools: Set<String>?
    public var maxIterations: Int?
    /// Runs `delegate_task`'s children (the host sets it).
    public var delegator: (any Delegator)?

    public init(cwd: String, source: SessionSource, resume: String? = nil, model: String? = nil, approvals: ApprovalPolicy? = nil,
                interactive: Bool, backend: (any ExecutionBackend)? = nil) {
        self.cwd = cwd
        self.source = source
        self.resume = resume
        self.model = model
        self.approvals = approvals
        self.interactive = interactive
        self.backend = backend
    }
}

/// A session put together: its agent, its search index, where its commands run.
public struct BuiltSession: Sendable {
    public let agent: Agent
    public let indexer: Indexer
    public let backend: any ExecutionBackend
    /// Whether the backend is the session's own (shut down with it).
    public let ownsBackend: Bool
    /// The model its requests name.
    public let model: String
}

/// From config.yaml (resolved into `Settings`) to a running agent: the one place a session is
/// composed — endpoint, tools, skills, memory, backend, hooks, approval policy — for every
/// front-end. Every value config leaves unset comes from `Defaults`.
public struct SessionBuilder: Sendable {
    public var settings: Settings
    public let store: SessionStore
    public let transport: any HTTPStreamTransport
    /// Tools that come and go (the MCP hub).
    public var toolSources: [any ToolSource]
    /// One lane per model server: background requests of all its sessions wait for turns.
    public let lane: BackgroundLane
    /// The workspaces' checkpoints (nil: `checkpoints: false`).
    public let checkpoints: CheckpointStores?

    public init(settings: Settings, store: SessionStore, transport: any HTTPStreamTransport, toolSources: [any ToolSource] = [],
                lane: BackgroundLane = BackgroundLane()) {
        self.settings = settings
        self.store = store
        self.transport = transport
        self.toolSources = toolSources
        self.lane = lane
        let c = settings.config.checkpoints
        checkpoints = c.enabled ? CheckpointStores(directory: settings.paths.checkpoints,
                                                   limits: CheckpointLimits(keepDays: c.keepDays, maxFiles: c.maxFiles, maxSizeMB: c.maxSizeMB)) : nil
    }

    var config: TalariaConfig { settings.config }
    var paths: TalariaPaths { settings.paths }

    /// The approval mode a request gets: the request's policy over config's; `ask` with nobody
    /// to ask refuses.
    public func approvalMode(_ request: SessionRequest) -> ApprovalMode {
        switch request.approvals ?? config.approvals ?? Defaults.approvals {
        case .yes: .approveAll
        case .deny: .denyAll
        case .ask: request.interactive ? .ask : .denyAll
        }
    }

    /// The memory limits config.yaml sets.
    public var memoryLimits: MemoryLimits {
        MemoryLimits(notes: config.memory.notesLimit, user: config.memory.userLimit, nudgeEvery: config.memory.nudgeEvery)
    }

    /// The skill folders DESIGN.md §3 names, seen from `cwd`, with the user's disabled and allowed lists.
    public static func skillLibrary(paths: TalariaPaths, cwd: String) -> SkillLibrary {
        SkillLibrary(roots: SkillRoot.standard(cwd: cwd, talariaHome: paths.home, home: UserHome.path),
                     disabledFile: paths.home + "/skills-disabled.txt", allowedFile: paths.home + "/skills-allowed.txt")
    }

    /// The loop guard config.yaml asks for.
    var loopGuard: LoopGuardSettings {
        let lg = config.loopGuard
        return lg.enabled ? LoopGuardSettings(warnAfter: lg.warnAfter, stopAfter: lg.stopAfter, failureStreak: lg.failureStreak) : .off
    }

    /// A new agent for `request` (or the stored session it resumes).
    public func build(_ request: SessionRequest) throws(StoreError) -> BuiltSession {
        let model = request.model ?? settings.model
        let baseURL = request.baseURL ?? settings.baseURL
        guard let base = URL(string: baseURL) else { throw StoreError(.notFound, "base_url '\(baseURL)' is not a URL") }
        let endpoint = Endpoint(baseURL: base, apiKey: settings.apiKey, model: model)
        let client = LLMClient(endpoint: endpoint, transport: transport)
        let indexer = Indexer(store: store)
        let mode = approvalMode(request)
        let skills = config.skills
        var agentConfig = AgentConfiguration(
            model: model, baseURL: baseURL, cwd: request.cwd, maxIterations: request.maxIterations ?? settings.maxIterations, approvalMode: mode,
            toolOutputLimit: config.toolOutputLimit ?? Defaults.toolOutputLimit, contextWindowOverride: settings.contextWindow,
            maxTokens: settings.maxTokens, temperature: config.temperature, source: request.source, extraInstructions: config.systemPrompt,
            loopGuard: loopGuard, extraBody: config.extraBody,
            review: skills.review ? SkillReviewSettings(reviewAfter: skills.reviewAfter, autoAccept: skills.autoAccept, root: paths.home + "/skills") : nil,
            compressAt: config.memory.compressAt, factsEvery: config.memory.factsEvery)
        // Skills: the project's, the user's, other agents' (DESIGN.md §3); their tools only when some exist.
        let library = Self.skillLibrary(paths: paths, cwd: request.cwd)
        var tools = ToolRegistry.builtIn()
        if !library.skills.isEmpty {
            tools.register(SkillsListTool(library: library))
            tools.register(SkillViewTool(library: library))
        }
        tools.register(SkillManageTool(library: library, writer: SkillWriter(root: paths.home + "/skills")))
        let memory = config.memory.enabled ? MemoryBook(store: store, limits: memoryLimits, environment: settings.environment) : nil
        if let memory { tools.register(MemoryTool(book: memory)) }
        tools.register(SessionSearchTool(store: store, summarize: { instructions, text in
            try? await client.ask(system: instructions, user: text, maxTokens: 300)
        }))
        let plan = PlanBoard()
        tools.register(TodoTool(board: plan))
        tools.register(ClarifyTool())
        tools.register(CronTool(store: store))
        let processes = ProcessTable()
        tools.register(ProcessTool(table: processes))
        tools.register(ExecuteCodeTool())
        let web = config.web
        tools.register(WebFetchTool(transport: transport, addresses: AddressGuard(allowPrivate: web.allowPrivate, allowHosts: web.allowHosts), maxChars: web.maxChars))
        if let search = web.search { tools.register(WebSearchTool(transport: transport, config: search, environment: settings.environment)) }
        if let delegator = request.delegator {
            tools.register(DelegateTaskTool(delegator: delegator, depth: request.depth, maxDepth: config.delegation.maxDepth))
        }
        if let allowed = request.allowedTools { tools = tools.keeping(allowed) }
        agentConfig.parentID = request.parentID
        agentConfig.talariaHome = paths.home
        // A subagent's questions would reach nobody: its parent's user talks to the parent.
        agentConfig.userPresent = request.interactive && request.source != .subagent
        agentConfig.vision = config.vision
        let backend = request.backend ?? Backends.make(config.backendSpec, workspace: request.cwd, stateDirectory: paths.home)
        let hooks = config.hooks.isEmpty ? nil
            : HookRunner(settings: config.hooks, cwd: request.cwd, approvalMode: mode,
                         transcript: HookTranscript(directory: paths.home + "/transcripts", store: store))
        var services = AgentServices(
            client: client, store: store, indexer: indexer, tools: tools, toolSources: toolSources + request.toolSources, backend: backend,
            redactor: SecretRedactor(environment: settings.environment), approvalMemory: ApprovalMemory(path: paths.home + "/approvals.json"),
            memory: memory,
            userModel: memory.flatMap { config.memory.deriveFacts ? UserModel(book: $0, staleDays: config.memory.staleDays) : nil },
            skills: library.skills.isEmpty ? nil : SkillCatalogPrompt(library: library, budget: skills.catalogBudget),
            skillLibrary: library,
            contextProbe: ContextWindowProbe(endpoint: endpoint, transport: transport),
            contextCache: ContextWindowCache(path: paths.home + "/context-windows.json"), lane: lane, hooks: hooks,
            // Only where the workspace's files are this machine's (a container or sandbox mounts them).
            checkpoints: config.backendSpec.kind.sharesWorkspace ? checkpoints?.store(for: request.cwd) : nil, plan: plan)
        services.processes = processes
        let agent = try Agent(config: agentConfig, services: services, resumeID: request.resume)
        return BuiltSession(agent: agent, indexer: indexer, backend: backend, ownsBackend: request.backend == nil, model: model)
    }
}

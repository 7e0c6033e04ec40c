import AgentProtocol
import AgentTools
import Checkpoints
import Exec
import Foundation
import LLMClient
import Memory
import Skills
import Store

/// What an agent works with: the model, the store, the tools, where commands run, what it
/// remembers and learns from. The session host builds one from config.yaml; a test builds one
/// from fakes. Everything optional is a capability the session can do without.
public struct AgentServices: Sendable {
    public var client: any ModelClient
    public var store: SessionStore
    /// Indexes committed messages for search (each turn schedules a catch-up).
    public var indexer: Indexer?
    /// The built-in tools; `toolSources` add the ones that come and go (MCP servers).
    public var tools: ToolRegistry
    public var toolSources: [any ToolSource]
    public var backend: any ExecutionBackend
    public var redactor: SecretRedactor
    /// The approvals answered "always", kept across sessions.
    public var approvalMemory: ApprovalMemory?
    public var memory: MemoryBook?
    public var userModel: UserModel?
    /// The skills catalogue in the prompt, and the library behind it (reviews, allowed-tools).
    public var skills: (any SkillPromptSource)?
    public var skillLibrary: SkillLibrary?
    /// Reads the model's real context window (llama.cpp `/props`, …), cached per endpoint.
    public var contextProbe: ContextWindowProbe?
    public var contextCache: ContextWindowCache?
    /// Where background requests wait for turns (one per model server, shared by its sessions).
    public var lane: BackgroundLane
    /// The user's lifecycle hooks (config.yaml `hooks:`).
    public var hooks: HookRunner?
    /// The workspace's checkpoints (nil: off, or the files are not on this machine).
    public var checkpoints: CheckpointStore?
    /// The plan the `todo` tool keeps (kept through compression, restored on resume).
    public var plan: PlanBoard?
    /// The background processes of the `process` tool (killed when the session ends).
    public var processes: ProcessTable?

    public init(client: any ModelClient, store: SessionStore, indexer: Indexer? = nil, tools: ToolRegistry,
                toolSources: [any ToolSource] = [], backend: any ExecutionBackend, redactor: SecretRedactor = SecretRedactor(),
                approvalMemory: ApprovalMemory? = nil, memory: MemoryBook? = nil, userModel: UserModel? = nil,
                skills: (any SkillPromptSource)? = nil, skillLibrary: SkillLibrary? = nil,
                contextProbe: ContextWindowProbe? = nil, contextCache: ContextWindowCache? = nil,
                lane: BackgroundLane = BackgroundLane(), hooks: HookRunner? = nil, checkpoints: CheckpointStore? = nil,
                plan: PlanBoard? = nil) {
        self.client = client
        self.store = store
        self.indexer = indexer
        self.tools = tools
        self.toolSources = toolSources
        self.backend = backend
        self.redactor = redactor
        self.approvalMemory = approvalMemory
        self.memory = memory
        self.userModel = userModel
        self.skills = skills
        self.skillLibrary = skillLibrary
        self.contextProbe = contextProbe
        self.contextCache = contextCache
        self.lane = lane
        self.hooks = hooks
        self.checkpoints = checkpoints
        self.plan = plan
        processes = nil
    }
}

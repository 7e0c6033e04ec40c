import AgentCore
import AgentProtocol
import AgentTools
import ArgumentParser
import Config
import CurlTransport
import Exec
import Foundation
import Memory
import LLMClient
import MCPClient
import Skills
import Store

/// The options of `talaria` itself (and of `talaria chat`): one prompt, line mode, or the
/// full-screen interface.
struct ChatOptions: ParsableArguments {
    @Option(name: [.customShort("p"), .customLong("prompt")], help: "Run one prompt and exit; '-' reads it from stdin.")
    var prompt: String?

    @Flag(help: "Print one AgentEvent JSON object per line instead of the answer text.")
    var json = false

    @Flag(name: [.customShort("y"), .customLong("yes"), .customLong("yolo")],
          help: "Run commands that need approval without asking (the interface shows YOLO while on).")
    var yes = false

    @Option(help: "Continue a stored session (id or unique prefix).")
    var resume: String?

    @Option(help: "Working directory for tools (default: the current directory).")
    var cwd: String?

    @Flag(name: [.customShort("v"), .customLong("verbose")], help: "Show tool calls and reasoning on stderr.")
    var verbose = false

    @Flag(help: "Line-by-line chat instead of the full-screen interface.")
    var line = false

    @OptionGroup var endpoint: EndpointOptions

    func run() async throws {
        try await ChatRunner(prompt: prompt, json: json, yes: yes, resume: resume, cwd: cwd, verbose: verbose, line: line,
                             endpoint: endpoint).run()
    }
}

/// `talaria chat [-p PROMPT]`: the same as `talaria` with its options.
struct ChatCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat",
        abstract: "Talk to the agent: -p for one prompt (scripts), otherwise interactively (as plain `talaria`)."
    )

    @OptionGroup var options: ChatOptions

    mutating func run() async throws { try await options.run() }
}

/// The work of `talaria [-p]` and `talaria sessions resume`, with plain values (argument-parser
/// commands cannot be built outside the parser).
struct ChatRunner {
    var prompt: String?
    var json = false
    var yes = false
    var resume: String?
    var cwd: String?
    var verbose = false
    var line = false
    var endpoint: EndpointOptions

    func run() async throws {
        let transport = CurlTransport()
        let isTTY = isatty(0) == 1
        var promptText = prompt
        if promptText == "-" || (promptText == nil && !isTTY) {
            promptText = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        }
        if let p = promptText, p.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            printError("talaria: the prompt is empty")
            throw Exit.usage
        }
        if promptText == nil, isTTY, isatty(1) == 1, !line, !json {
            if let cwd { _ = FileManager.default.changeCurrentDirectoryPath((cwd as NSString).expandingTildeInPath) }
            try await TUIRunner(resume: resume, yolo: yes, endpoint: endpoint).run()
            return
        }
        let settings = try await Settings.resolve(endpoint, transport: transport)
        let workdir = cwd.map { ($0 as NSString).expandingTildeInPath } ?? FileManager.default.currentDirectoryPath
        let mcp = MCPSupport.hub(for: settings.config)
        if let mcp {
            await mcp.start()
            await MCPSupport.settle(mcp)
        }
        let session = try openSession(settings, transport: transport, cwd: workdir, interactive: promptText == nil,
                                      toolSources: mcp.map { [$0] } ?? [])
        let agent = session.agent
        // A backend that cannot work (not installed, unreachable) fails here, with its reason,
        // rather than as every tool call's error.
        let backend = await agent.executionBackend
        do { try await backend.prepare() } catch {
            printError("talaria: backend \(backend.identity): \(error.message)")
            await agent.submit(.shutdown)
            await backend.shutdown()
            throw Exit.usage
        }
        var ask: (@Sendable (ApprovalRequest) async -> Void)?
        if promptText == nil {
            ask = { request in await Self.askApproval(request, agent: agent) }
        }
        let printer = HeadlessPrinter(json: json, verbose: verbose || (promptText == nil && isTTY), askApproval: ask)
        let interrupts = InterruptHandler { Task { await session.agent.submit(.interrupt) } }
        defer { withExtendedLifetime(interrupts) {} }
        let events = Task { await printer.consume(session.agent.events) }

        if let promptText {
            await session.agent.submit(.userTurn(UserTurn(text: promptText)))
            await session.agent.waitUntilIdle()
        } else {
            printError("Talaria \(Talaria.version) — \(settings.model) at \(settings.baseURL). Type a request; Ctrl-D quits.")
            var turns = 0
            while let line = await Self.readLine(prompt: "› ") {
                if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
                await session.agent.submit(.userTurn(UserTurn(text: line)))
                turns += 1
                await session.agent.waitUntilIdle()
                await printer.waitForTurnsEnded(turns)
            }
        }
        await session.agent.submit(.shutdown)
        await events.value // every event printed, so the exit code sees the whole turn
        await backend.shutdown() // the session's container, the ssh connection
        _ = try? await session.indexer.catchUp()
        await mcp?.stop()
        let exit = await printer.exitCode()
        if exit != .success { throw exit }
    }

    func openSession(_ s: Settings, transport: CurlTransport, cwd: String, interactive: Bool,
                     source: String = "cli", toolSources: [any ToolSource] = []) throws -> (agent: Agent, indexer: Indexer) {
        let store: SessionStore
        do { store = try SessionStore(path: s.paths.database) } catch {
            printError("talaria: \(error)")
            throw Exit.failed
        }
        let mode: ApprovalMode = yes || s.config.approvals == "yes" ? .approveAll : (s.config.approvals == "deny" || !interactive ? .denyAll : .ask)
        do {
            return try Self.makeAgent(s, store: store, transport: transport, cwd: cwd, mode: mode, source: source, resume: resume,
                                      toolSources: toolSources)
        } catch {
            printError("talaria: \(error)")
            throw Exit.usage
        }
    }

    /// An agent on `store` for a new session, or continuing `resume`.
    static func makeAgent(_ s: Settings, store: SessionStore, transport: CurlTransport, cwd: String, mode: ApprovalMode,
                          source: String, resume: String?, toolSources: [any ToolSource] = [],
                          backend: (any ExecutionBackend)? = nil, lane: BackgroundLane = BackgroundLane()) throws -> (agent: Agent, indexer: Indexer) {
        let endpoint = Endpoint(baseURL: URL(string: s.baseURL)!, apiKey: s.apiKey, model: s.model)
        let client = LLMClient(endpoint: endpoint, transport: transport)
        let indexer = Indexer(store: store)
        var loopGuard = LoopGuardSettings()
        let lg = s.config.loopGuard
        if lg.enabled == false { loopGuard = .off } else {
            if let n = lg.warnAfter { loopGuard.warnAfter = n }
            if let n = lg.stopAfter { loopGuard.stopAfter = n }
            if let n = lg.failureStreak { loopGuard.failureStreak = n }
        }
        let config = AgentConfiguration(model: s.model, baseURL: s.baseURL, cwd: cwd, maxIterations: s.maxIterations,
                                        approvalMode: mode, toolOutputLimit: s.config.toolOutputLimit ?? 16_000,
                                        contextWindowOverride: s.contextWindow, maxTokens: s.maxTokens,
                                        temperature: s.config.temperature, source: source, extraInstructions: s.config.systemPrompt,
                                        loopGuard: loopGuard, extraBody: s.config.extraBody,
                                        review: s.config.skills.review == false ? nil
                                            : SkillReviewSettings(reviewAfter: s.config.skills.reviewAfter ?? 10, autoAccept: s.config.skills.autoAccept ?? false,
                                                                  root: s.paths.home + "/skills"),
                                        compressAt: s.config.memory.compressAt ?? 0.5, factsEvery: s.config.memory.factsEvery ?? 5)
        // Skills: the project's, the user's, other agents' (DESIGN.md §3); their tools only when some exist.
        let library = SkillLibrary.standard(paths: s.paths, cwd: cwd)
        var tools = ToolRegistry.builtIn()
        if !library.skills.isEmpty {
            tools.register(SkillsListTool(library: library))
            tools.register(SkillViewTool(library: library))
        }
        tools.register(SkillManageTool(library: library, writer: SkillWriter(root: s.paths.home + "/skills")))
        let memory = s.config.memory.enabled == false ? nil
            : MemoryBook(store: store, limits: MemoryLimits(notes: s.config.memory.notesLimit ?? 2200, user: s.config.memory.userLimit ?? 1375,
                                                            nudgeEvery: s.config.memory.nudgeEvery ?? 10), environment: s.environment)
        if let memory { tools.register(MemoryTool(book: memory)) }
        tools.register(SessionSearchTool(store: store, summarize: { instructions, text in
            try? await client.ask(system: instructions, user: text, maxTokens: 300)
        }))
        let services = AgentServices(
            client: client, store: store, indexer: indexer, tools: tools, toolSources: toolSources,
            backend: backend ?? Backends.make(s.config.backendSpec, workspace: cwd, stateDirectory: s.paths.home),
            redactor: SecretRedactor(environment: s.environment), approvalMemory: ApprovalMemory(path: s.paths.home + "/approvals.json"),
            memory: memory,
            userModel: memory.flatMap { s.config.memory.deriveFacts == false ? nil : UserModel(book: $0, staleDays: s.config.memory.staleDays ?? 60) },
            skills: library.skills.isEmpty ? nil : SkillCatalogPrompt(library: library, budget: s.config.skills.catalogBudget ?? 2_000),
            skillLibrary: library,
            contextProbe: ContextWindowProbe(endpoint: endpoint, transport: transport),
            contextCache: ContextWindowCache(path: s.paths.home + "/context-windows.json"), lane: lane)
        return (try Agent(config: config, services: services, resumeID: resume), indexer)
    }

    /// Line mode's approval prompt: once, for the session, always (remembered), or deny (the default).
    static func askApproval(_ request: ApprovalRequest, agent: Agent) async {
        printError("\n⚠ \(request.tool) wants to run: \(request.command)\n  reason: \(request.reason)")
        let answer = (await readLine(prompt: "  allow? [y] once  [s] this session  [a] always  [N] deny: ") ?? "").lowercased()
        let decision: ApprovalDecision = answer.hasPrefix("a") ? .always : answer.hasPrefix("s") ? .session : (answer.hasPrefix("y") ? .once : .deny)
        await agent.submit(.approveTool(callID: request.callID, decision: decision))
    }

    static func readLine(prompt: String) async -> String? {
        FileHandle.standardError.write(Data(prompt.utf8))
        return await withCheckedContinuation { c in
            Thread { c.resume(returning: Swift.readLine()) }.start()
        }
    }
}

/// Turns SIGINT into an interrupt; a second Ctrl-C exits at once.
final class InterruptHandler: @unchecked Sendable {
    private let source: any DispatchSourceSignal
    private var count = 0

    init(onInterrupt: @escaping @Sendable () -> Void) {
        signal(SIGINT, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler { [unowned(unsafe) self] in
            self.count += 1
            if self.count > 1 { _exit(130) }
            printError("\ninterrupting… (Ctrl-C again to quit now)")
            onInterrupt()
        }
        source.resume()
    }

    deinit { source.cancel() }
}

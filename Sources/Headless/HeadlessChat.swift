import AgentCore
import AgentProtocol
import Config
import Exec
import Foundation
import LLMClient
import MCPClient
import SessionHost

/// `talaria -p PROMPT` (one prompt, the answer on stdout) and `talaria --line` (line-by-line
/// chat on a terminal or a pipe): a session from the host, driven from stdin, printed by
/// `HeadlessPrinter`.
public struct HeadlessChat: Sendable {
    /// The one prompt; nil: line mode.
    public var prompt: String?
    /// Every event as a JSON line instead of the answer text.
    public var json = false
    /// Run commands that need approval without asking.
    public var yes = false
    public var resume: String?
    /// Where tools work; nil: the current directory.
    public var cwd: String?
    public var verbose = false
    public var endpoint: EndpointOverrides
    /// Line mode's banner names it.
    public var version: String

    public init(prompt: String?, json: Bool = false, yes: Bool = false, resume: String? = nil, cwd: String? = nil, verbose: Bool = false,
                endpoint: EndpointOverrides, version: String) {
        self.prompt = prompt
        self.json = json
        self.yes = yes
        self.resume = resume
        self.cwd = cwd
        self.verbose = verbose
        self.endpoint = endpoint
        self.version = version
    }

    /// Runs to the end; throws the documented exit status for anything but success.
    public func run(transport: any HTTPStreamTransport) async throws(ExitStatus) {
        let isTTY = isatty(0) == 1
        let settings = try await FrontEnd.settings(endpoint, transport: transport)
        let workdir = cwd.map { UserHome.expand($0) } ?? FileManager.default.currentDirectoryPath
        let mcp = FrontEnd.mcpHub(for: settings.config)
        if let mcp {
            await mcp.start()
            await FrontEnd.settle(mcp)
        }
        let host = SessionHost(builder: SessionBuilder(settings: settings, store: try FrontEnd.store(settings.paths), transport: transport,
                                                       toolSources: mcp.map { [$0] } ?? []))
        let session: HostedSession
        do {
            session = try await host.open(SessionRequest(cwd: workdir, source: prompt == nil ? .line : .cli, resume: resume,
                                                         approvals: yes ? .yes : nil, interactive: prompt == nil))
        } catch {
            printError("talaria: \(error)")
            throw .usage
        }
        // A backend that cannot work (not installed, unreachable) fails here, with its reason,
        // rather than as every tool call's error.
        let backend = await session.agent.executionBackend
        do { try await backend.prepare() } catch {
            printError("talaria: backend \(backend.identity): \(error.message)")
            await host.closeAll()
            throw .usage
        }
        let attachment = await session.attach(.driver)
        var ask: (@Sendable (UserAsk) async -> Void)?
        if prompt == nil {
            ask = { asked in
                let op: Op = switch asked {
                case .approval(let request): .approveTool(callID: request.callID, decision: await Self.askApproval(request))
                case .question(let question): .answerClarify(callID: question.callID, answer: await Self.askQuestion(question))
                }
                _ = try? await session.submit(op, from: attachment.id)
            }
        }
        let printer = HeadlessPrinter(json: json, verbose: verbose || (prompt == nil && isTTY), askUser: ask)
        let interrupts = InterruptHandler { Task { _ = try? await session.submit(.interrupt) } }
        defer { withExtendedLifetime(interrupts) {} }
        let events = Task { await printer.consume(attachment.history, then: attachment.events) }

        if let prompt {
            _ = try? await session.submit(.userTurn(UserTurn(text: prompt)), from: attachment.id)
            await session.agent.waitUntilIdle()
        } else {
            printError("Talaria \(version) — \(settings.model) at \(settings.baseURL). Type a request; Ctrl-D quits.")
            var turns = 0
            while let line = await Self.readLine(prompt: "› ") {
                if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
                _ = try? await session.submit(.userTurn(UserTurn(text: line)), from: attachment.id)
                turns += 1
                await session.agent.waitUntilIdle()
                await printer.waitForTurnsEnded(turns)
            }
        }
        await host.closeAll() // the end-of-session pass, the index, the session's container or connection
        await events.value // every event printed, so the exit code sees the whole turn
        await mcp?.stop()
        let exit = await printer.exitStatus()
        if exit != .success { throw exit }
    }

    /// Line mode's approval prompt: once, for the session, always (remembered), or deny (the default).
    static func askApproval(_ request: ApprovalRequest) async -> ApprovalDecision {
        printError("\n⚠ \(request.tool) wants to run: \(request.command)\n  reason: \(request.reason)")
        let answer = (await readLine(prompt: "  allow? [y] once  [s] this session  [a] always  [N] deny: ") ?? "").lowercased()
        return answer.hasPrefix("a") ? .always : answer.hasPrefix("s") ? .session : (answer.hasPrefix("y") ? .once : .deny)
    }

    /// Line mode's question: the choices numbered; a number picks one, anything else is the
    /// answer; an empty line (or end of input) skips it.
    static func askQuestion(_ question: ClarifyRequest) async -> String? {
        var text = "\n? \(question.question)"
        for (i, choice) in question.choices.enumerated() { text += "\n  \(i + 1) \(choice)" }
        printError(text)
        let hint = question.choices.isEmpty ? "  your answer (empty skips): " : "  1–\(question.choices.count) or your own answer (empty skips): "
        return question.answer(for: await readLine(prompt: hint) ?? "")
    }

    static func readLine(prompt: String) async -> String? {
        FileHandle.standardError.write(Data(prompt.utf8))
        return await withCheckedContinuation { c in
            Thread { c.resume(returning: Swift.readLine()) }.start()
        }
    }
}

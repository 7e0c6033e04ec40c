import AgentProtocol
import ArgumentParser
import Config
import CurlTransport
import Foundation
import Gateway
import Schedule
import SessionHost
import Store
import Synchronization

/// `talaria gateway [pair CODE | users]`.
struct GatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gateway",
        abstract: "Serve the messaging platforms configured under gateways: in config.yaml, and run scheduled jobs.",
        discussion: "Logs go to stderr and ~/.talaria/logs/gateway.log. Strangers get a pairing code; approve them with `talaria gateway pair CODE`.",
        subcommands: [Serve.self, Pair.self, Users.self],
        defaultSubcommand: Serve.self
    )

    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the gateways (the default).")
        @Flag(name: .customLong("install-service"), help: "Write a systemd user unit that runs the gateway, and say how to start it.")
        var installService = false
        @OptionGroup var endpoint: EndpointOptions

        func run() async throws {
            if installService { return try GatewayRuntime.installService() }
            let runtime = try await GatewayRuntime.start(endpoint: endpoint, withGateway: true)
            await runtime.runUntilSignal(gateway: true)
        }
    }

    struct Pair: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "pair", abstract: "Let in the person a pairing code was given to.")
        @Argument var code: String
        func run() async throws {
            guard let user = try SessionsCommand.openStore().approvePairing(code: code) else {
                throw ValidationError("no one is waiting with code \(code.uppercased()) (talaria gateway users lists them)")
            }
            print("\(user.platform): \(user.name) (\(user.user)) may now talk to the agent")
        }
    }

    struct Users: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "users", abstract: "People who were let in, and codes waiting.")
        func run() async throws {
            let users = try SessionsCommand.openStore().gatewayUsers()
            if users.isEmpty { print("no one has written yet"); return }
            for u in users { print("\(u.platform)  \(u.user)  \(u.name)  \(u.approved ? "approved" : "waiting: \(u.code ?? "")")") }
        }
    }
}

/// What `gateway` and `cron` run: the host, the platforms, the scheduler, the logs.
struct GatewayRuntime: Sendable {
    let host: SessionHost
    let gateway: Gateway?
    let scheduler: CronScheduler
    let logger: GatewayLog

    static func start(endpoint: EndpointOptions, withGateway: Bool) async throws -> GatewayRuntime {
        let transport = CurlTransport()
        let settings = try await FrontEnd.settings(endpoint.overrides, transport: transport)
        let logger = GatewayLog(path: settings.paths.logs + "/gateway.log")
        let host = SessionHost(builder: SessionBuilder(settings: settings, store: try FrontEnd.store(settings.paths), transport: transport))
        var gateway: Gateway?
        if withGateway {
            let (platforms, problems) = Platforms.make(settings.config.gateways, environment: settings.environment, transport: transport)
            for p in problems { logger.write("talaria gateway: \(p)") }
            if !platforms.isEmpty {
                let dir = UserHome.expand(settings.config.gateways.workdir ?? FileManager.default.currentDirectoryPath)
                gateway = Gateway(host: host, platforms: platforms, config: settings.config.gateways, workdir: dir, log: { logger.write($0) })
            }
        }
        let runner = CronRunner(host: host, gateway: gateway, logFile: settings.paths.logs + "/cron.log", log: { logger.write($0) })
        let scheduler = CronScheduler(store: host.store, missed: MissedRuns(rawValue: settings.config.cron.missed) ?? .runOnce) { job in
            await runner.run(job)
        }
        return GatewayRuntime(host: host, gateway: gateway, scheduler: scheduler, logger: logger)
    }

    /// Runs the gateway (if any) and the scheduler until SIGINT/SIGTERM, then closes every session.
    func runUntilSignal(gateway serving: Bool) async {
        if serving && gateway == nil { logger.write("talaria gateway: no platform to serve (configure gateways: in config.yaml); running scheduled jobs only") }
        let work = Task {
            await withTaskGroup(of: Void.self) { group in
                if let gateway { group.addTask { await gateway.run() } }
                group.addTask { await scheduler.run() }
            }
        }
        await Signals.wait([SIGINT, SIGTERM])
        logger.write("talaria gateway: stopping")
        work.cancel()
        await stop()
    }

    func stop() async {
        await gateway?.shutdown()
        await host.closeAll()
    }

    static func installService() throws {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        let dir = UserHome.path + "/.config/systemd/user"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let unit = """
            [Unit]
            Description=Talaria gateway (messaging platforms and scheduled jobs)
            After=network-online.target

            [Service]
            ExecStart=\(exe) gateway
            WorkingDirectory=\(FileManager.default.currentDirectoryPath)
            Restart=on-failure
            RestartSec=5

            [Install]
            WantedBy=default.target

            """
        try unit.write(toFile: dir + "/talaria-gateway.service", atomically: true, encoding: .utf8)
        print("wrote \(dir)/talaria-gateway.service\nstart it with: systemctl --user daemon-reload && systemctl --user enable --now talaria-gateway")
    }
}

/// Log lines to stderr and a file (mode 0600). Lines never carry tokens: platforms redact them.
final class GatewayLog: Sendable {
    let path: String
    init(path: String) {
        self.path = path
        try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: path) { FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) }
    }

    func write(_ line: String) {
        let stamped = ISO8601DateFormatter().string(from: Date()) + " " + line + "\n"
        printError(line)
        if let h = FileHandle(forWritingAtPath: path) {
            h.seekToEndOfFile()
            h.write(Data(stamped.utf8))
            try? h.close()
        }
    }
}

/// Waits for the first of `signals` (their default action is replaced for the process).
enum Signals {
    /// Keeps the sources alive for the process (a released source stops delivering).
    private final class Kept: @unchecked Sendable {
        let lock = NSLock()
        var sources: [any DispatchSourceSignal] = []
    }
    private static let kept = Kept()

    static func wait(_ signals: [Int32]) async {
        let fired = Atomic<Bool>(false)
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let made = signals.map { sig -> any DispatchSourceSignal in
                signal(sig, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
                source.setEventHandler {
                    if !fired.exchange(true, ordering: .relaxed) { c.resume() }
                }
                source.resume()
                return source
            }
            kept.lock.withLock { kept.sources += made }
        }
    }
}

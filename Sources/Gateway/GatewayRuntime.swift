import AgentProtocol
import Config
import CurlTransport
import Foundation
import Schedule
import SessionHost
import Store
import Synchronization

/// What `gateway` and `cron` run: the host, the platforms, the scheduler, the logs.
public struct GatewayRuntime: Sendable {
    public let host: SessionHost
    public let gateway: Gateway?
    public let scheduler: CronScheduler
    public let logger: GatewayLog

    /// The settings resolved as every front-end does (problems printed, the exit code thrown).
    public static func start(_ overrides: EndpointOverrides, withGateway: Bool) async throws(ExitStatus) -> GatewayRuntime {
        let transport = CurlTransport()
        let settings = try await FrontEnd.settings(overrides, transport: transport)
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
    public func runUntilSignal(gateway serving: Bool) async {
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

    public func stop() async {
        await gateway?.shutdown()
        await host.closeAll()
    }

    public static func installService() throws {
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
public final class GatewayLog: Sendable {
    let path: String
    public init(path: String) {
        self.path = path
        try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: path) { FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) }
    }

    public func write(_ line: String) {
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
public enum Signals {
    /// Keeps the sources alive for the process (a released source stops delivering).
    private final class Kept: @unchecked Sendable {
        let lock = NSLock()
        var sources: [any DispatchSourceSignal] = []
    }
    private static let kept = Kept()

    public static func wait(_ signals: [Int32]) async {
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

import ArgumentParser
import Config
import CurlTransport
import Foundation
import SessionHost
import LocalModel

/// `talaria local up | down | status | models`: the built-in local model (see `LocalModelInstaller`).
struct LocalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "local",
        abstract: "Install, start, stop and inspect the built-in local model.",
        subcommands: [Up.self, Down.self, Status.self, Models.self]
    )

    static func installer() -> LocalModelInstaller { LocalModelInstaller(dir: TalariaPaths().local, transport: CurlTransport()) }

    struct Up: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "up", abstract: "Install (first time) and start the local model server.")
        @Option var port = 8080
        @Option(help: "The model: a catalogue name (talaria local models), hf:OWNER/REPO:QUANT, an https://….gguf address, or a GGUF file (default: the one sized to this machine, else config.yaml's local_model).")
        var model: String?

        func run() async throws {
            let local = LocalCommand.installer()
            let spec: LocalModelSpec
            do { spec = try LocalCommand.spec(model) } catch {
                printError("talaria: \(error.message)")
                throw ExitStatus.usage
            }
            if let running = local.runningPort(), local.runningModel() == spec.id, await local.isHealthy(port: running) {
                print("local model already running: http://127.0.0.1:\(running)/v1 (\(spec.id))")
                return
            }
            let line = ProgressLine()
            do {
                let base = try await local.prepare(spec, port: port) { line.show($0) }
                line.end()
                print("local model ready: \(base.absoluteString) (\(spec.id)); talaria finds it without configuration")
            } catch {
                line.end()
                printError("talaria: \(error.message)")
                throw ExitStatus.failed
            }
        }
    }

    struct Down: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "down", abstract: "Stop the local model server.")
        func run() async throws {
            guard let pid = LocalCommand.installer().stop() else { print("local model is not running"); return }
            print("stopped the local model (pid \(pid))")
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "status", abstract: "Is the local model running? Exit 0 if it is.")
        @Flag var quiet = false
        func run() async throws {
            let local = LocalCommand.installer()
            guard let port = local.runningPort(), await local.isHealthy(port: port) else {
                if !quiet { print("local model: not running (start it with: talaria local up)") }
                throw ExitCode(1)
            }
            if !quiet {
                print("local model: running \(local.runningModel() ?? "?"), pid \(local.pid() ?? 0), http://127.0.0.1:\(port)/v1, log \(local.dir)/server.log")
            }
        }
    }

    struct Models: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "models", abstract: "The models `local up --model` knows, and which fits this machine.")
        func run() async throws {
            let local = LocalCommand.installer()
            let recommended = LocalModelSpec.recommended()
            print("this machine: \(LocalModelInstaller.bytes(Int64(MachineProfile.memory))) of memory")
            for spec in LocalModelSpec.catalog {
                let marks = [spec == recommended ? "recommended" : nil, spec.source == .packaged ? "offline fallback" : nil,
                             local.isInstalled(spec) ? "installed" : nil].compactMap { $0 }
                print("  \(spec.id.padding(toLength: 28, withPad: " ", startingAt: 0)) \(spec.summary)\(marks.isEmpty ? "" : " [\(marks.joined(separator: ", "))]")")
            }
            print("  or: --model hf:OWNER/REPO:QUANT · --model https://…/model.gguf · --model /path/to/model.gguf")
        }
    }

    /// The model to serve: the flag, else config.yaml's `local_model`, else the one that fits.
    static func spec(_ flag: String?) throws(InstallError) -> LocalModelSpec {
        if let flag { return try LocalModelSpec.parse(flag) }
        if let file = ProcessInfo.processInfo.environment["TALARIA_LOCAL_MODEL"], !file.isEmpty { return try LocalModelSpec.parse(file) }
        if let configured = (try? TalariaConfig.load(path: TalariaPaths().configFile))?.localModel { return try LocalModelSpec.parse(configured) }
        return LocalModelSpec.recommended()
    }
}

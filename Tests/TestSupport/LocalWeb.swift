import Foundation

/// A local web on a free loopback port (`Fixtures/web_server.py`): pages, redirects, other
/// content types, and SearxNG's, Brave's and Tavily's search APIs.
public final class LocalWeb: @unchecked Sendable {
    public let process: Process
    public let port: Int
    let dir: TempDir

    public var base: String { "http://127.0.0.1:\(port)" }

    public init() async throws {
        (process, port, dir) = try await launchFixture("web_server.py", [], label: "localweb")
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
}

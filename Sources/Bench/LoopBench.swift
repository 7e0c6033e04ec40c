import ArgumentParser
import Exec
import Foundation
import Synchronization

extension BenchCommand {
    struct Loop: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "loop",
            abstract: "Cost of a tool iteration beside its floor (the growing request and its SSE answer over one connection, `bash -c true` on a fresh PTY).")
        @Option var rounds = 30
        @Option(help: "Interleaved runs of each side (the median is reported; a shared machine is noisy).") var runs = 11
        @Flag(help: "Only the in-process agent-core figure.") var coreOnly = false

        func run() async throws {
            if coreOnly {
                print(String(format: "FIGURE loop core: %.3f ms per iteration", try await inProcessLoop(rounds: rounds)))
                return
            }
            let server = try InstantLLMServer()
            var zero: [Double] = [], many: [Double] = [], zeroCPU: [Double] = [], manyCPU: [Double] = [], floor: [Double] = []
            for _ in 0..<runs { // interleaved, so machine load hits every side alike
                let a = try measure(runs: 1, warmups: 0, prompt: "Say hello rounds=0", server: server)
                let b = try measure(runs: 1, warmups: 0, prompt: "Say hello rounds=\(rounds)", server: server)
                zero.append(a.wall.median); many.append(b.wall.median)
                zeroCPU.append(a.cpu.median); manyCPU.append(b.cpu.median)
                floor.append(try LoopFloor(server: server).run(rounds: rounds))
            }
            let perIter = (Stats(many).median - Stats(zero).median) / Double(rounds)
            let perIterCPU = (Stats(manyCPU).median - Stats(zeroCPU).median) / Double(rounds)
            let least = Stats(floor).median
            // Each run's own ratio (its Talaria side against the floor measured right after it),
            // so a slow moment of a shared machine weighs on both sides of one ratio.
            let ratios = Stats((0..<runs).map { (many[$0] - zero[$0]) / Double(rounds) / floor[$0] })
            // The command's own cost: starting `bash -c true` on a fresh PTY and reading it to its end.
            var spawn: [Double] = []
            for _ in 0..<30 {
                let t = DispatchTime.now().uptimeNanoseconds
                _ = try LoopFloor.command()
                spawn.append(Double(DispatchTime.now().uptimeNanoseconds - t) / 1e6)
            }
            print(String(format: "FIGURE loop: %.2f ms per tool iteration wall (%.2f ms CPU); floor %.2f ms (the same growing requests and SSE answers over one connection, `bash -c true` on a fresh PTY: %.2f ms of it) → %.2f× the floor (median of %d interleaved runs' ratios; p25 %.2f, p75 %.2f; %d rounds)",
                         perIter, perIterCPU, least, Stats(spawn).median, ratios.median, runs, ratios.pct(0.25), ratios.pct(0.75), rounds))
            let core = try await inProcessLoop(rounds: rounds)
            print(String(format: "FIGURE loop core: %.3f ms per iteration for the agent itself (request body, SSE decoding, 2 SQLite commits, events) with an in-process model and a no-op tool", core))
        }
    }
}

/// The least any agent must do for one tool iteration, done plainly: send the conversation so
/// far (the opening request Talaria sent, grown by each call and its result, spliced as bytes
/// rather than re-encoded) over one keep-alive connection, read the SSE answer to its end, and
/// run `bash -c true` on a fresh pseudo-terminal, reading it to its end and reaping it.
struct LoopFloor {
    let server: InstantLLMServer

    /// Milliseconds per iteration over `rounds` iterations.
    func run(rounds: Int) throws -> Double {
        guard let opening = InstantLLMServer.openingRequest.withLock({ $0 }),
              var object = try JSONSerialization.jsonObject(with: opening) as? [String: Any],
              let messages = object.removeValue(forKey: "messages") as? [[String: Any]] else {
            throw ValidationError("the loop floor needs Talaria's opening request first")
        }
        var head = Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
        head.removeLast() // the closing brace
        head += Array(#","messages":["#.utf8)
        var history = try messages.map { Array(try JSONSerialization.data(withJSONObject: $0)) }.joined(separator: Array(",".utf8)).map { $0 }
        let tail = Array("]}".utf8)
        let socket = try Connection(port: server.port)
        defer { socket.close() }
        let start = DispatchTime.now().uptimeNanoseconds
        for i in 0..<rounds {
            let body = head + history + tail
            let request = Array("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:\(server.port)\r\nContent-Type: application/json\r\nAccept: text/event-stream\r\nContent-Length: \(body.count)\r\n\r\n".utf8) + body
            let answer = try socket.exchange(request)
            guard answer.firstRange(of: Array("tool_calls".utf8)) != nil else { throw ValidationError("the floor's request \(i) was not answered with a call") }
            let output = String(decoding: try Self.command(), as: UTF8.self)
            let call = #"{"role":"assistant","content":null,"tool_calls":[{"id":"call_\#(i)","type":"function","function":{"name":"terminal","arguments":"{\"command\":\"true\"}"}}]}"#
            let result = try JSONSerialization.data(withJSONObject: ["role": "tool", "tool_call_id": "call_\(i)", "content": output + "[exit 0]"])
            history += Array(",".utf8) + Array(call.utf8) + Array(",".utf8) + Array(result)
        }
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6 / Double(rounds)
    }

    /// `bash -c true` on a fresh PTY, read to its end and reaped; its output.
    static func command() throws -> [UInt8] {
        let process = try PTYProcess(["/bin/bash", "-c", "true"], environment: ProcessInfo.processInfo.environment, cwd: "/tmp", cols: 120, rows: 40)
        return process.runToEnd().output
    }
}

/// One keep-alive HTTP/1.1 connection to the instant server (which always sends Content-Length).
private struct Connection {
    let fd: Int32

    init(port: UInt16) throws {
        fd = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = port.bigEndian
        let ok = withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard ok else { throw ValidationError("cannot connect to the instant server") }
        var yes: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &yes, socklen_t(MemoryLayout<Int32>.size))
    }

    func close() { _ = Foundation.close(fd) }

    /// Sends `request` and returns the response's body.
    func exchange(_ request: [UInt8]) throws -> [UInt8] {
        var sent = 0
        while sent < request.count {
            let n = request.withUnsafeBytes { Foundation.write(fd, $0.baseAddress! + sent, request.count - sent) }
            guard n > 0 else { throw ValidationError("the instant server closed the connection") }
            sent += n
        }
        var data: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65_536)
        var bodyStart: Int?
        var length = 0
        while true {
            if bodyStart == nil, let r = data.firstRange(of: [13, 10, 13, 10]) {
                bodyStart = r.upperBound
                let head = String(decoding: data[..<r.lowerBound], as: UTF8.self).lowercased()
                for line in head.split(separator: "\r\n") where line.hasPrefix("content-length:") {
                    length = Int(line.dropFirst(15).trimmingCharacters(in: .whitespaces)) ?? 0
                }
            }
            if let b = bodyStart, data.count >= b + length { return Array(data[b..<(b + length)]) }
            let n = Foundation.read(fd, &buf, buf.count)
            guard n > 0 else { throw ValidationError("the instant server closed the connection") }
            data += buf[0..<n]
        }
    }
}

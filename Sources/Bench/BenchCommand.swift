import AgentCore
import AgentProtocol
import AgentTools
import Config
import ArgumentParser
import LLMClient
import Exec
import Foundation
import Memory
import Store

/// `talaria bench`: prints the performance figures of DESIGN.md §4, one `FIGURE` line each.
public struct BenchCommand: AsyncParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure start-up, agent loop, indexing, search, the TUI and skills; prints FIGURE lines.",
        subcommands: [All.self, OneShot.self, Loop.self, CrashBench.self, Search.self, TUIBench.self, SkillsBench.self, MCPBench.self, ExecBench.self,
                      CacheBench.self, ServeBench.self, DelegateBench.self, CheckpointBench.self, GatewayBench.self, SoakBench.self]
    )

    struct All: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "all", abstract: "Every benchmark (1M-message store included; a few minutes).")
        @Option(help: "Largest store size for indexing and search.") var messages = 1_000_000
        func run() async throws {
            try await OneShot().run()
            try await Loop().run()
            var s = Search()
            s.sizes = [100_000, messages].filter { $0 <= messages }
            try await s.run()
        }
    }

    struct OneShot: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "oneshot", abstract: "Cold `talaria -p` against an instant server.")
        @Option var runs = 15
        func run() async throws {
            let server = try InstantLLMServer()
            let r = try measure(runs: runs, prompt: "Say hello", server: server)
            print(String(format: "FIGURE oneshot: wall median %.1f ms (min %.1f, p90 %.1f), CPU median %.1f ms over %d runs",
                         r.wall.median, r.wall.min, r.wall.p90, r.cpu.median, runs))
        }
    }

    struct Search: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "search", abstract: "Indexer throughput and search latency over synthetic stores.")
        @Option(parsing: .upToNextOption, help: "Store sizes in messages.") var sizes: [Int] = [100_000, 1_000_000]
        @Option(help: "A corpus exported by the Hermes bench (DIR/messages.jsonl, DIR/queries.txt) instead of the built-in generator.")
        var corpus: String?
        @Option var queries = 200
        @Option(help: "Keep the benchmark database in this directory.") var keep: String?

        func run() async throws {
            for n in sizes { try await bench(n) }
        }

        func bench(_ n: Int) async throws {
            let dir = keep.map { "\($0)/\(n)" } ?? FileManager.default.temporaryDirectory.appendingPathComponent("talaria-bench-\(UUID().uuidString.prefix(6))").path
            defer { if keep == nil { try? FileManager.default.removeItem(atPath: dir) } }
            let store = try SessionStore(path: dir + "/state.db")
            var gen = Corpus(seed: 42)
            let qs: [String]
            if let corpus {
                qs = try String(contentsOfFile: corpus + "/queries.txt", encoding: .utf8).split(separator: "\n").map(String.init)
            } else {
                qs = (0..<queries).map { _ in gen.query() }
            }
            // Insert (one transaction per 40-message session, as the agent's sessions are written).
            let t0 = Date()
            var inserted = 0
            if let corpus {
                inserted = try loadCorpus(corpus + "/messages.jsonl", limit: n, into: store)
            } else {
                var sid = ""
                var batch: [(sessionID: String, message: ChatMessage, createdAt: Date)] = []
                let base = Date().addingTimeInterval(-Double(n))
                while inserted < n {
                    if inserted % 40 == 0 {
                        if !batch.isEmpty { try store.appendMessages(batch); batch.removeAll(keepingCapacity: true) }
                        sid = try store.createSession(model: "bench", baseURL: "", cwd: "/", source: "bench", id: "bench-\(inserted / 40)",
                                                      now: base.addingTimeInterval(Double(inserted)))
                    }
                    batch.append((sid, gen.message(inserted), base.addingTimeInterval(Double(inserted))))
                    inserted += 1
                }
                try store.appendMessages(batch)
            }
            let insertSecs = Date().timeIntervalSince(t0)
            let indexer = Indexer(store: store)
            let t1 = Date()
            let indexed = try await indexer.catchUp()
            let indexSecs = Date().timeIntervalSince(t1)
            try store.checkpoint()
            let bytes = ((try? FileManager.default.attributesOfItem(atPath: dir + "/state.db")[.size]) as? Int) ?? 0
            /// Each query's latency and hit count, after one pass that warms the page cache.
            func timed(_ queries: [String]) throws -> (lat: [Double], hits: [Double]) {
                for q in queries { _ = try store.search(q, limit: 20) }
                var lat: [Double] = [], hits: [Double] = []
                for q in queries {
                    let t = DispatchTime.now().uptimeNanoseconds
                    let r = try store.search(q, limit: 20)
                    lat.append(Double(DispatchTime.now().uptimeNanoseconds - t) / 1e6)
                    hits.append(Double(r.count))
                }
                return (lat, hits)
            }
            let (lat, hits) = try timed(qs)
            let s = Stats(lat)
            let slowest = zip(qs, lat).sorted { $0.1 > $1.1 }.prefix(3).map { String(format: "'%@' %.1f ms", $0.0, $0.1) }
            print(String(format: "FIGURE index %dk: %.0f messages/s indexed (%d in %.2f s); insert %.0f messages/s; %.0f bytes per message on disk",
                         n / 1000, Double(indexed) / indexSecs, indexed, indexSecs, Double(inserted) / insertSecs, Double(bytes) / Double(max(inserted, 1))))
            print(String(format: "FIGURE search %dk: p50 %.2f ms, p95 %.2f ms, max %.2f ms over %d queries (median %.0f hits)",
                         n / 1000, s.median, s.p95, s.max, qs.count, Stats(hits).median))
            print("  slowest: " + slowest.joined(separator: ", "))
            // Substrings of Chinese text (every 20th message), through the pair index.
            let cjkQueries = (0..<qs.count).map { _ in gen.cjkQuery() }
            let (cjkLat, cjkHits) = try timed(cjkQueries)
            let c = Stats(cjkLat)
            print(String(format: "FIGURE search %dk CJK substrings: p50 %.2f ms, p95 %.2f ms, max %.2f ms over %d queries (median %.0f hits)",
                         n / 1000, c.median, c.p95, c.max, cjkQueries.count, Stats(cjkHits).median))
            // The agent's session_search over the same store (search and grouping; no summaries).
            let tool = SessionSearchTool(store: store)
            let context = ToolContext(cwd: "/", backend: LocalBackend(), callID: "bench", sessionID: "")
            var toolLat: [Double] = []
            for q in qs.prefix(100) {
                let t = Date()
                _ = await tool.run(["query": .string(q), "summarize": false], context: context)
                toolLat.append(Date().timeIntervalSince(t) * 1000)
            }
            let ts = Stats(toolLat)
            print(String(format: "FIGURE session_search %dk: p50 %.2f ms, p95 %.2f ms over %d queries (search, grouping by session, output)",
                         n / 1000, ts.median, ts.p95, toolLat.count))
        }

        func loadCorpus(_ path: String, limit: Int, into store: SessionStore) throws -> Int {
            guard let handle = FileHandle(forReadingAtPath: path) else { throw ValidationError("cannot read \(path)") }
            let text = String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
            var batch: [(sessionID: String, message: ChatMessage, createdAt: Date)] = []
            var known: Set<String> = []
            var n = 0
            for line in text.split(separator: "\n") where n < limit {
                guard let obj = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                      let sid = obj["session_id"] as? String else { continue }
                if !known.contains(sid) {
                    if !batch.isEmpty { try store.appendMessages(batch); batch.removeAll() }
                    _ = try store.createSession(model: "bench", baseURL: "", cwd: "/", source: "bench", id: sid)
                    known.insert(sid)
                }
                let role = Role(rawValue: obj["role"] as? String ?? "user") ?? .user
                batch.append((sid, ChatMessage(role: role, content: obj["content"] as? String ?? ""), Date()))
                n += 1
            }
            try store.appendMessages(batch)
            return n
        }
    }
}

/// Runs `talaria -p PROMPT` against the instant server and measures wall and CPU time.
func measure(runs: Int, warmups: Int = 2, prompt: String, server: InstantLLMServer) throws -> (wall: Stats, cpu: Stats) {
    let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
    let home = FileManager.default.temporaryDirectory.appendingPathComponent("talaria-bench-home-\(UUID().uuidString.prefix(6))").path
    defer { try? FileManager.default.removeItem(atPath: home) }
    // The scripted rounds repeat one call on purpose: the loop guard would stop them. The skill
    // review after a turn of many calls is a request of its own, not part of any iteration.
    try? FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
    try? "loop_guard: {enabled: false}\ncheckpoints: false\nmax_iterations: 10000\nskills: {review: false}\n"
        .write(toFile: home + "/config.yaml", atomically: true, encoding: .utf8)
    var wall: [Double] = [], cpu: [Double] = []
    for i in 0..<(runs + warmups) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = ["-p", prompt, "--base-url", server.baseURL, "--model", "fake-model", "--yes"]
        var env = ProcessInfo.processInfo.environment
        env["TALARIA_HOME"] = home
        p.environment = env
        p.standardOutput = FileHandle.nullDevice
        let errors = FileManager.default.temporaryDirectory.appendingPathComponent("talaria-bench-\(UUID().uuidString.prefix(6)).err")
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errors) }
        p.standardError = try FileHandle(forWritingTo: errors)
        var before = rusage()
        getrusage(RUSAGE_CHILDREN.rawValue, &before)
        let t = Date()
        try p.run()
        p.waitUntilExit()
        let elapsed = Date().timeIntervalSince(t) * 1000
        var after = rusage()
        getrusage(RUSAGE_CHILDREN.rawValue, &after)
        guard p.terminationStatus == 0 else {
            let said = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
            throw ValidationError("talaria -p exited \(p.terminationStatus) during the benchmark: \(said.suffix(600))")
        }
        if i >= warmups {
            wall.append(elapsed)
            cpu.append(ms(after.ru_utime) + ms(after.ru_stime) - ms(before.ru_utime) - ms(before.ru_stime))
        }
    }
    return (Stats(wall), Stats(cpu))
}

private func ms(_ t: timeval) -> Double { Double(t.tv_sec) * 1000 + Double(t.tv_usec) / 1000 }

struct Stats {
    let sorted: [Double]
    init(_ values: [Double]) { sorted = values.sorted() }
    func pct(_ p: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        return sorted[Swift.min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
    }
    var median: Double { pct(0.5) }
    var p90: Double { pct(0.9) }
    var p95: Double { pct(0.95) }
    var min: Double { sorted.first ?? .nan }
    var max: Double { sorted.last ?? .nan }
}

/// A deterministic synthetic chat corpus: Zipf-distributed English and software vocabulary.
struct Corpus {
    static let words: [String] = """
        the be to of and a in that have it for not on with as you do at this but by from they we say or an will my one all would \
        there their what so up out if about who get which go when make can like time no just know take people into year your good \
        some could them see other than then now look only come its over think also back after use two how our work first well way \
        even new want because any these give day most fix check try run build test file error function method class struct enum \
        protocol module package import export async await thread process memory cache database query index table column row \
        server client request response header body json yaml config deploy release branch commit merge rebase diff patch log \
        trace debug panic segfault timeout retry backoff socket port docker container kubernetes pod service cluster node disk \
        network latency throughput benchmark profile allocate leak pointer buffer stream pipe signal kernel compiler linker swift \
        python rust golang javascript typescript react redis postgres sqlite nginx bash shell script terminal cargo npm pip make \
        cmake gradle maven pytest pagination endpoint migration schema vector embedding token model prompt agent skill session
        """.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
    static let cumulative: [Double] = {
        var acc = 0.0
        return words.indices.map { acc += 1 / Double($0 + 1); return acc }
    }()

    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 { // SplitMix64
        state &+= 0x9E3779B97F4A7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }

    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }

    mutating func word() -> String {
        let x = unit() * Self.cumulative.last!
        var lo = 0, hi = Self.cumulative.count - 1
        while lo < hi { let mid = (lo + hi) / 2; if Self.cumulative[mid] < x { lo = mid + 1 } else { hi = mid } }
        return Self.words[lo]
    }

    mutating func sentence(_ lo: Int, _ hi: Int) -> String {
        let n = lo + Int(next() % UInt64(hi - lo + 1))
        return (0..<n).map { _ in word() }.joined(separator: " ")
    }

    /// Chinese words for every 20th message: text written without spaces between words.
    static let cjkWords = ["数据库", "连接", "超时", "服务器", "请求", "错误", "部署", "测试", "文件", "函数", "线程", "内存", "缓存", "索引",
                           "配置", "日志", "网络", "延迟", "容器", "集群", "节点", "磁盘", "模型", "会话", "重试", "权限", "编译", "依赖"]

    mutating func cjkWord() -> String { Self.cjkWords[Int(next() % UInt64(Self.cjkWords.count))] }

    /// A substring query: one word, or a word with the start of the next.
    mutating func cjkQuery() -> String {
        let w = cjkWord()
        return next() % 3 == 0 ? w + String(cjkWord().prefix(1)) : w
    }

    mutating func message(_ i: Int) -> ChatMessage {
        if i % 20 == 0 { return .user((0..<(4 + Int(next() % 9))).map { _ in cjkWord() }.joined() + "，" + sentence(2, 6)) }
        return switch i % 3 {
        case 0: .user(sentence(6, 18))
        case 1: .assistant(sentence(20, 60))
        default: .tool(callID: "c\(i)", name: "terminal", content: "/src/\(word())/\(word()).swift: " + sentence(10, 40))
        }
    }

    mutating func query() -> String {
        let n = 1 + Int(next() % 3)
        // Mix common and rare words: take every other word from the tail of the vocabulary.
        return (0..<n).map { k in k % 2 == 0 ? word() : Self.words[Self.words.count - 1 - Int(next() % 120)] }.joined(separator: " ")
    }
}

/// The agent loop alone: an in-process transport that answers instantly and a tool that
/// does nothing, over a real on-disk store. Returns milliseconds per iteration.
func inProcessLoop(rounds: Int) async throws -> Double {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("talaria-core-\(UUID().uuidString.prefix(6))").path
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let store = try SessionStore(path: dir + "/state.db")
    func run(_ n: Int) async throws -> Double {
        let client = LLMClient(endpoint: Endpoint(baseURL: URL(string: "http://127.0.0.1:1/v1")!, apiKey: nil, model: "m"),
                               transport: InstantTransport(rounds: n))
        let config = AgentConfiguration(model: "m", baseURL: "mem", cwd: dir, maxIterations: Defaults.maxIterations, approvalMode: .approveAll,
                                        toolOutputLimit: Defaults.toolOutputLimit, source: .bench, loopGuard: LoopGuardSettings(warnAfter: Defaults.LoopGuard.warnAfter, stopAfter: Defaults.LoopGuard.stopAfter, failureStreak: Defaults.LoopGuard.failureStreak),
                                        review: nil, compressAt: Defaults.Memory.compressAt, factsEvery: Defaults.Memory.factsEvery)
        let agent = try Agent(config: config, services: AgentServices(client: client, store: store, tools: ToolRegistry([NoopTool()]), backend: LocalBackend()))
        let t = DispatchTime.now().uptimeNanoseconds
        await agent.submit(.userTurn(UserTurn(text: "go")))
        for await e in agent.events {
            if case .turnCompleted = e.event { break }
            if case .turnAborted(let a) = e.event { throw ValidationError(a.message) }
        }
        return Double(DispatchTime.now().uptimeNanoseconds - t) / 1e6
    }
    _ = try await run(5)
    var per: [Double] = []
    for _ in 0..<9 {
        let zero = try await run(0)
        let many = try await run(rounds)
        per.append((many - zero) / Double(rounds))
    }
    return Stats(per).median
}

/// Answers every chat request from memory: a tool call while fewer than `rounds` were made, then text.
struct InstantTransport: HTTPStreamTransport {
    let rounds: Int
    func stream(_ request: HTTPRequest) -> AsyncThrowingStream<HTTPStreamPart, any Error> {
        let body = request.body.map { String(decoding: $0, as: UTF8.self) } ?? ""
        let done = body.components(separatedBy: "\"tool_call_id\"").count - 1
        let sse: String
        if done < rounds {
            sse = #"data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"c\#(done)","type":"function","function":{"name":"noop","arguments":"{}"}}]}}]}"# + "\n\n"
                + #"data: {"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}"# + "\n\ndata: [DONE]\n\n"
        } else {
            sse = #"data: {"choices":[{"index":0,"delta":{"content":"Done."}}]}"# + "\n\n"
                + #"data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"# + "\n\ndata: [DONE]\n\n"
        }
        return AsyncThrowingStream { c in
            c.yield(.head(status: 200, headers: [:]))
            c.yield(.body(Data(sse.utf8)))
            c.finish()
        }
    }
}

struct NoopTool: Tool {
    var spec: ToolSpec { ToolSpec(name: "noop", description: "does nothing", parameters: ["type": "object", "properties": [:]]) }
    func run(_ arguments: JSONValue, context: ToolContext) async -> ToolOutput { ToolOutput(text: "ok") }
}

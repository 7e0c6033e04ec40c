// swift-tools-version: 6.1
import PackageDescription

// Layers: see docs/ARCHITECTURE.md. Dependencies point downward only; each C
// library is wrapped by one system-library target imported by exactly one
// Swift target (checked by scripts/check-layers.sh).
let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    // A member is visible only where its module is imported: a layer leak fails the build.
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "Talaria",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "talaria", targets: ["talaria"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk", exact: "0.12.1"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        // Already in the graph (MCP's HTTP stack): HMAC for WhatsApp's webhook signatures.
        .package(url: "https://github.com/apple/swift-crypto", exact: "4.5.2"),
        // Discord's Gateway and Slack's Socket Mode are WebSockets (over TLS).
        .package(url: "https://github.com/hummingbird-project/swift-websocket", exact: "1.6.2"),
        // Already in the graph (Hummingbird's): serve's event streams end on graceful shutdown.
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", exact: "2.13.0"),
    ],
    targets: [
        // MARK: C shims
        .systemLibrary(name: "CCurl", path: "Sources/CCurl", pkgConfig: "libcurl",
                       providers: [.apt(["libcurl4-openssl-dev"])]),
        .target(name: "CPTY", path: "Sources/CPTY"),
        .target(name: "CTermModes", path: "Sources/CTermModes"),
        // No pkgConfig: ncursesw's .pc adds -D flags SwiftPM rejects; the headers are on the default path.
        .systemLibrary(name: "CNcursesw", path: "Sources/CNcursesw", providers: [.apt(["libncursesw5-dev"])]),
        .systemLibrary(name: "CCmarkGFM", path: "Sources/CCmarkGFM",
                       providers: [.apt(["libcmark-gfm-dev", "libcmark-gfm-extensions-dev"])]),

        // MARK: Core libraries
        .target(name: "AgentProtocol", swiftSettings: strict),
        .target(name: "LLMClient", dependencies: ["AgentProtocol"], swiftSettings: strict),
        .target(name: "CurlTransport", dependencies: ["LLMClient", "CCurl"], swiftSettings: strict),
        .target(name: "Store", dependencies: ["AgentProtocol", .product(name: "GRDB", package: "GRDB.swift")],
                swiftSettings: strict),
        .target(name: "Exec", dependencies: ["AgentProtocol", "CPTY"], swiftSettings: strict),
        .target(name: "AgentTools", dependencies: ["AgentProtocol", "Exec", "Skills"], swiftSettings: strict),
        .target(name: "Config", dependencies: ["AgentProtocol", "Yams"], swiftSettings: strict),
        // web_fetch (pages as markdown, behind an address guard) and web_search (SearxNG, Brave, Tavily).
        .target(name: "Web", dependencies: ["AgentProtocol", "AgentTools", "Config", "LLMClient"], swiftSettings: strict),
        .target(name: "Skills", dependencies: ["AgentProtocol"], swiftSettings: strict),
        .target(name: "Checkpoints", dependencies: ["Exec"], swiftSettings: strict),
        // MCP servers' tools as Tools: the SDK speaks the protocol, our transports move it.
        .target(name: "MCPClient",
                dependencies: ["AgentProtocol", "AgentTools", "Exec", "LLMClient", .product(name: "MCP", package: "swift-sdk"),
                               .product(name: "Logging", package: "swift-log")],
                swiftSettings: strict),
        // What the agent remembers: notes, the user model, compression, session_search.
        .target(name: "Memory", dependencies: ["AgentProtocol", "AgentTools", "Store"], swiftSettings: strict),
        // Scheduled jobs: schedules, the runner's clockwork, the agent's cronjob tool.
        .target(name: "Schedule", dependencies: ["AgentProtocol", "AgentTools", "Store"], swiftSettings: strict),
        .target(name: "AgentCore",
                dependencies: ["Checkpoints", "AgentProtocol", "LLMClient", "Store", "AgentTools", "Exec", "Skills", "Memory"],
                swiftSettings: strict),
        // The built-in local model: llama-server's build, model downloads, the server's lifecycle.
        .target(name: "LocalModel", dependencies: ["Exec", "LLMClient"], swiftSettings: strict),
        // Sessions for every front-end: Config to a running agent, many at once, their events fanned out.
        .target(name: "SessionHost",
                dependencies: ["AgentCore", "AgentProtocol", "AgentTools", "Checkpoints", "Config", "CurlTransport", "Exec", "LLMClient", "LocalModel", "MCPClient",
                               "Memory", "Schedule", "Skills", "Store", "Web"],
                swiftSettings: strict),
        // `talaria gateway`: messaging platforms (one file each) on the session host, and cron's runs.
        .target(name: "Gateway", dependencies: ["SessionHost", "AgentProtocol", "AgentTools", "Config", "CurlTransport", "LLMClient", "Schedule", "Store",
                                               .product(name: "Hummingbird", package: "hummingbird"), .product(name: "NIOCore", package: "swift-nio"),
                                               .product(name: "Crypto", package: "swift-crypto"), .product(name: "Logging", package: "swift-log"),
                                               .product(name: "WSClient", package: "swift-websocket"), .product(name: "NIOWebSocket", package: "swift-nio")],
                swiftSettings: strict),
        // `talaria doctor`: the installation checked (read-only unless asked to repair).
        .target(name: "Doctor", dependencies: ["AgentProtocol", "Config", "LLMClient", "LocalModel", "Skills", "Store"], swiftSettings: strict),
        // `-p` and `--line`: a session driven from stdin, printed for scripts and pipes.
        .target(name: "Headless", dependencies: ["SessionHost", "AgentCore", "AgentProtocol", "Config", "Exec", "LLMClient", "MCPClient"], swiftSettings: strict),
        // MARK: Terminal UI (pure)
        .target(name: "TUIKit", exclude: ["README.md"], swiftSettings: strict),
        .target(name: "Markdown", dependencies: ["TUIKit", "CCmarkGFM"], swiftSettings: strict),
        .target(name: "AppFeature", dependencies: ["AgentProtocol", "TUIKit", "Markdown"], exclude: ["README.md"], swiftSettings: strict),
        .target(name: "TUICurses", dependencies: ["TUIKit", "CNcursesw", "CTermModes"], swiftSettings: strict),
        .target(name: "AppRuntime", dependencies: ["AppFeature", "TUIKit", "AgentProtocol"], swiftSettings: strict),
        // The interface's live wiring: the host's session on screen, the store and tools behind its effects.
        .target(name: "TUIApp",
                dependencies: ["SessionHost", "ServeClient", "AppFeature", "AppRuntime", "TUICurses", "AgentCore", "AgentProtocol", "Checkpoints", "Config", "CurlTransport", "Exec",
                               "LocalModel", "MCPClient", "Memory", "Skills", "Store"],
                swiftSettings: strict),
        // `talaria serve`: the session host over HTTP (native API, SSE, OpenAI-compatible facade).
        .target(name: "Serve",
                dependencies: ["SessionHost", "AgentProtocol", "Config", "CurlTransport", "LLMClient", "MCPClient", "Store",
                               .product(name: "Hummingbird", package: "hummingbird"), .product(name: "NIOCore", package: "swift-nio"),
                               .product(name: "HTTPTypes", package: "swift-http-types"), .product(name: "Logging", package: "swift-log"),
                               .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")],
                swiftSettings: strict),
        // A client of serve's API (attach, the serve benchmark).
        .target(name: "ServeClient", dependencies: ["AgentProtocol", "LLMClient"], swiftSettings: strict),
        // `talaria acp`: the Agent Client Protocol on stdio, for editors.
        .target(name: "ACP", dependencies: ["SessionHost", "AgentProtocol", "Config", "MCPClient", "Store"], swiftSettings: strict),
        // `talaria bench`: the figures of DESIGN.md §4.
        .target(name: "Bench",
                dependencies: ["SessionHost", "ServeClient", "AgentCore", "AgentProtocol", "AgentTools", "Checkpoints", "Config", "CurlTransport", "Exec", "LLMClient",
                               "MCPClient", "Memory", "Skills", "Store", .product(name: "ArgumentParser", package: "swift-argument-parser")],
                swiftSettings: strict),

        .executableTarget(
            name: "talaria",
            dependencies: ["SessionHost", "Headless", "TUIApp", "Serve", "ACP", "Bench", "Gateway", "Schedule", "Doctor", "AgentCore", "Checkpoints", "AgentProtocol", "CurlTransport", "Config", "Store", "LLMClient", "AgentTools", "Exec",
                           "Skills", "MCPClient", "LocalModel", "Memory", "AppFeature",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict),

        // MARK: Tests
        .target(name: "TestSupport", dependencies: ["AgentProtocol", "LLMClient", "Exec"],
                path: "Tests/TestSupport", exclude: ["Fixtures"], swiftSettings: strict),
        .testTarget(name: "AgentProtocolTests", dependencies: ["AgentProtocol"], swiftSettings: strict),
        .testTarget(name: "LLMClientTests", dependencies: ["LLMClient", "AgentProtocol", "TestSupport", "CurlTransport"],
                    resources: [.copy("Fixtures")], swiftSettings: strict),
        .testTarget(name: "CurlTransportTests", dependencies: ["CurlTransport", "AgentProtocol", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "DoctorTests", dependencies: ["Doctor", "Config", "CurlTransport", "Store", "AgentProtocol", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "StoreTests", dependencies: ["Store", "AgentProtocol", .product(name: "GRDB", package: "GRDB.swift")], swiftSettings: strict),
        .testTarget(name: "ExecTests", dependencies: ["Exec", "AgentProtocol", "TestSupport", "TUIKit"], swiftSettings: strict),
        .testTarget(name: "AgentToolsTests", dependencies: ["AgentTools", "AgentProtocol", "Skills"], swiftSettings: strict),
        .testTarget(name: "WebTests", dependencies: ["Web", "AgentTools", "AgentProtocol", "Config", "CurlTransport", "Exec", "LLMClient", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "ConfigTests", dependencies: ["Config", "AgentProtocol"], swiftSettings: strict),
        .testTarget(name: "SkillsTests", dependencies: ["Skills"], swiftSettings: strict),
        .testTarget(name: "CheckpointsTests", dependencies: ["Checkpoints", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "AgentCoreTests", dependencies: ["AgentCore", "Checkpoints", "Config", "TestSupport", "Skills", "CurlTransport", "Memory", "Store", "AgentTools", "Exec", "LLMClient", "AgentProtocol"], swiftSettings: strict),
        .testTarget(name: "MCPClientTests", dependencies: ["MCPClient", .product(name: "MCP", package: "swift-sdk"), "CurlTransport", "AgentTools", "Exec", "TestSupport", "LLMClient"], swiftSettings: strict),
        .testTarget(name: "TUIKitTests", dependencies: ["TUIKit"], swiftSettings: strict),
        .testTarget(name: "MarkdownTests", dependencies: ["Markdown"], swiftSettings: strict),
        .testTarget(name: "AppFeatureTests", dependencies: ["AppFeature"], exclude: ["__Snapshots__"], swiftSettings: strict),
        .testTarget(name: "ACPTests", dependencies: ["ACP", "AgentProtocol", "Store"], swiftSettings: strict),
        .testTarget(name: "AppRuntimeTests", dependencies: ["AppRuntime", "AppFeature", "TUIKit", "AgentProtocol"], swiftSettings: strict),
        .testTarget(name: "LocalModelTests", dependencies: ["LocalModel", "CurlTransport", "LLMClient", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "GatewayTests", dependencies: ["Gateway", "Schedule", "SessionHost", "Config", "CurlTransport", "LLMClient", "Store", "AgentProtocol", "TestSupport"],
                    swiftSettings: strict),
        .testTarget(name: "SessionHostTests", dependencies: ["SessionHost", "AgentCore", "Config", "CurlTransport", "Store", "AgentProtocol", "TestSupport"],
                    swiftSettings: strict),
        .testTarget(name: "EndToEndTests", dependencies: ["TestSupport", "AgentProtocol", "LLMClient", "CurlTransport"], swiftSettings: strict),
    ]
)

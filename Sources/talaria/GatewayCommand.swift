import AgentProtocol
import ArgumentParser
import Config
import Foundation
import Gateway
import SessionHost
import Store

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
            let runtime = try await GatewayRuntime.start(endpoint.overrides, withGateway: true)
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

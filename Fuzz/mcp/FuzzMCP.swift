import Foundation

// libFuzzer entry point for MCP message decoding: any bytes a server sends are read the way the
// SDK's client loop reads them (a batch of responses, a response, a request from the server, a
// notification), a response's result as each result Talaria asks for (initialize, tools/list,
// tools/call) and a notification's as progress and log messages; what comes of it is turned
// into what the model sees (tool names, input schemas, result text) — never a crash. A value
// read as JSON and back is stable after its first trip. Built by scripts/fuzz.sh with the SDK's
// message types and Sources/MCPClient/MCPValues.swift (one module named MCP).

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Data(UnsafeBufferPointer(start: data, count: size))
    let decoder = JSONDecoder()
    var results: [Value] = []
    if let batch = try? decoder.decode([AnyResponse].self, from: bytes) {
        for r in batch { if case .success(let v) = r.result { results.append(v) } }
    } else if let response = try? decoder.decode(AnyResponse.self, from: bytes) {
        if case .success(let v) = response.result { results.append(v) }
    } else if let request = try? decoder.decode(AnyRequest.self, from: bytes) {
        _ = request.method.count
    } else if let message = try? decoder.decode(AnyMessage.self, from: bytes) {
        if let p = try? message.params.decode(as: ProgressNotification.Parameters.self) { _ = p.progress }
        if let p = try? message.params.decode(as: LogMessageNotification.Parameters.self) {
            _ = JSONValue(mcp: p.data).map { $0.stringValue ?? $0.jsonText }
        }
    }
    if let v = try? decoder.decode(Value.self, from: bytes) { results.append(v) }
    for value in results {
        check(value)
        guard let encoded = try? JSONEncoder().encode(value) else { continue }
        _ = try? decoder.decode(Initialize.Result.self, from: encoded)
        if let list = try? decoder.decode(ListTools.Result.self, from: encoded) {
            for tool in list.tools {
                let name = MCPNames.qualified(server: "fuzz", tool: tool.name)
                precondition(name.utf8.count <= 64 && name.unicodeScalars.allSatisfy { $0.isASCII }, "a tool name endpoints refuse: \(name)")
                let schema = JSONValue(mcpSchema: tool.inputSchema)
                precondition(schema["type"] != nil, "a schema without a type")
            }
        }
        if let call = try? decoder.decode(CallTool.Result.self, from: encoded) {
            precondition(!MCPResultText.render(call.content, structured: call.structuredContent).isEmpty, "a result the model sees as nothing")
        }
    }
    return 0
}

/// JSON from an SDK value, back to an SDK value and to JSON again, is what the first trip gave.
private func check(_ value: Value) {
    guard let json = JSONValue(mcp: value), let back = json.mcpValue else { return }
    precondition(JSONValue(mcp: back) == json, "a value changed on its second trip: \(value)")
}

private extension Encodable {
    func decode<T: Decodable>(as type: T.Type) throws -> T {
        try JSONDecoder().decode(type, from: JSONEncoder().encode(self))
    }
}

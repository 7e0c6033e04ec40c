import Foundation

// libFuzzer entry point for the serve API's request bodies: any bytes a client sends are read
// as each body (and as an Op) or refused with a message, never a crash; an Op read back from
// its own encoding is the same Op. Built by scripts/fuzz.sh with AgentProtocol and the Serve
// module's RequestBodies.swift (one module).

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let body = Data(UnsafeBufferPointer(start: data, count: size))
    func check<T: Decodable>(_ type: T.Type, emptyIs empty: T? = nil) -> T? {
        switch RequestBodies.decode(type, from: body, emptyIs: empty) {
        case .success(let value): return value
        case .failure(let problem): precondition(!problem.message.isEmpty, "a refusal without a message"); return nil
        }
    }
    if let chat = check(ChatRequest.self) {
        for m in chat.messages { _ = m.role.count + m.content.count }
    }
    _ = check(CreateBody.self, emptyIs: CreateBody())
    _ = check(ForkBody.self, emptyIs: ForkBody())
    _ = check(PromptBody.self)
    _ = check(ApprovalBody.self)
    _ = check(AnswerBody.self)
    if let op = check(Op.self) {
        let again = try? JSONDecoder().decode(Op.self, from: JSONEncoder().encode(op))
        precondition(again == op, "an Op changed through its own encoding: \(op)")
    }
    return 0
}

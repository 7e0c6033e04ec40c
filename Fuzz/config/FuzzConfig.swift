import Foundation

// libFuzzer entry point for config.yaml (through Yams, as Talaria reads it: every section's
// parser) and a Hermes config.yaml being imported: any text is read or refused with a message
// naming the file, never a crash. Built by scripts/fuzz.sh with Yams' sources, libyaml, and the
// AgentProtocol and Config sources (one module, named Yams so its qualified calls resolve).

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    do { _ = try TalariaConfig.parse(text, file: "config.yaml") } catch {
        precondition(!error.message.isEmpty && error.file == "config.yaml", "a config refusal without a message or file: \(error)")
    }
    do { _ = try HermesConfig.read(text) } catch {
        precondition(!error.message.isEmpty, "a Hermes config refusal without a message")
    }
    return 0
}

import Foundation

// libFuzzer entry point for what skills read from outside: a SKILL.md (front matter split, the
// strict YAML subset, the fields' validation) and the safety scan of its text. Any input must be
// read or refused with a message, never crash; a refusal names a line inside the file. Built by
// scripts/fuzz.sh with the Skills sources (one module).

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let lines = text.utf8.filter { $0 == 10 }.count + 1 // by bytes, as the parser splits (CRLF is one Character)
    // The YAML subset alone, and as the front matter of a SKILL.md.
    do { _ = try StrictYAML.parse(text) } catch {
        precondition(!error.message.isEmpty, "a YAML error without a message")
        precondition(error.line >= 0 && error.line <= lines, "a YAML error on line \(error.line) of \(lines)")
    }
    for candidate in [text, "---\n" + text + "\n---\nbody"] {
        do {
            let file = try SkillFile.parse(candidate, path: "/skills/fuzz/SKILL.md")
            _ = SkillValidator.validate(file, directoryName: "fuzz")
            _ = try? SkillProperties(file)
        } catch {
            precondition(!error.message.isEmpty, "a SKILL.md error without a message")
        }
    }
    _ = SkillScanner.scan(text: text, file: "SKILL.md")
    return 0
}

import Testing
@testable import AgentProtocol

@Suite struct LineEndsTests {
    @Test(arguments: [
        ("a\nb", "a\nb"),
        ("a\r\nb", "a\nb"),
        ("a\rb", "a\nb"),
        ("a\r\r\nb", "a\n\nb"),
        ("a\n\rb", "a\n\nb"),
        ("\r", "\n"),
        ("", ""),
        // A \r that a combining mark follows, which Foundation's search does not find.
        ("````\r\u{06DF}x", "````\n\u{06DF}x"),
    ])
    func lineEnds(_ input: String, _ expected: String) {
        #expect(input.withLFLineEnds.unicodeScalars.elementsEqual(expected.unicodeScalars), "\(input.debugDescription)")
    }
}

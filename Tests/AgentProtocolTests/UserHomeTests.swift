import AgentProtocol
import Foundation
import Testing

@Suite("UserHome")
struct UserHomeTests {
    @Test("~ forms expand against the home; other paths stay as they are; an unknown user's ~name stays")
    func expand() {
        let h = UserHome.path
        #expect(UserHome.expand("~") == h && UserHome.expand("~/x/y") == h + "/x/y")
        #expect(UserHome.expand("/abs/~x") == "/abs/~x" && UserHome.expand("rel") == "rel")
        // Another user's ~ is their password-database entry, whatever $HOME says.
        let rootHome = getpwnam("root").flatMap { $0.pointee.pw_dir.map { String(cString: $0) } }
        #expect(UserHome.expand("~root/notes") == rootHome.map { $0 + "/notes" })
        #expect(UserHome.expand("~no-such-user-xyz/a") == "~no-such-user-xyz/a")
    }
}

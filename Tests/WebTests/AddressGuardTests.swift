import Foundation
import Testing
@testable import Web

/// The address guard: what reaches this machine or its network is refused — as a literal,
/// behind a name, in an IPv6 disguise — unless config allows it.
@Suite("The web address guard")
struct AddressGuardTests {
    func refusal(_ url: String, _ g: AddressGuard = AddressGuard()) async -> String? {
        if case .failure(let r) = await g.check(URL(string: url)!) { return r.description }
        return nil
    }

    @Test("internal literals are refused with their kind", arguments: [
        ("http://127.0.0.1/", "loopback"), ("http://127.8.9.10:8080/x", "loopback"), ("http://10.1.2.3/", "private"),
        ("http://172.20.0.1/", "private"), ("http://192.168.1.1/", "private"), ("http://169.254.169.254/latest/meta-data/", "metadata"),
        ("http://169.254.3.4/", "link-local"), ("http://100.100.100.200/", "metadata"), ("http://100.64.0.1/", "carrier NAT"),
        ("http://0.0.0.0:8000/", "this-network"), ("http://[::1]/", "loopback"), ("http://[fe80::1]/", "link-local"),
        ("http://[fd00:ec2::254]/", "metadata"), ("http://[fc00::5]/", "unique local"), ("http://[::ffff:127.0.0.1]/", "loopback"),
        ("http://[64:ff9b::a00:1]/", "private"), ("http://[2002:c0a8:101::1]/", "private"), ("http://[::]/", "unspecified"),
        ("http://224.0.0.1/", "multicast"), ("http://255.255.255.255/", "reserved"),
    ])
    func literals(_ url: String, _ kind: String) async {
        let why = await refusal(url)
        #expect(why?.contains(kind) == true, "\(url): \(why ?? "allowed")")
        #expect(why?.contains("web.allow_private") == true)
    }

    @Test("public literals pass unpinned; other schemes are refused")
    func publicAndSchemes() async {
        for url in ["https://93.184.216.34/", "http://8.8.8.8:8080/dns", "https://[2606:4700:4700::1111]/"] {
            #expect(await refusal(url) == nil, "\(url)")
        }
        #expect(await refusal("file:///etc/passwd")?.contains("only http and https") == true)
        #expect(await refusal("ftp://example.com/x")?.contains("only http and https") == true)
        #expect(await refusal("http://metadata.google.internal/computeMetadata/v1/")?.contains("metadata") == true)
    }

    @Test("a name is judged by every address it resolves to, and the one checked is pinned")
    func names() async {
        var g = AddressGuard()
        g.resolve = { host in
            switch host {
            case "good.example": [IPAddress("93.184.216.34")!]
            case "mixed.example": [IPAddress("93.184.216.34")!, IPAddress("10.0.0.7")!]
            case "v6.example": [IPAddress("2606:4700::6810:84e5")!]
            default: []
            }
        }
        if case .success(let pin) = await g.check(URL(string: "https://good.example/page")!) {
            #expect(pin == "good.example:443:93.184.216.34")
        } else { Issue.record("good.example refused") }
        if case .success(let pin) = await g.check(URL(string: "http://v6.example:8080/")!) {
            #expect(pin == "v6.example:8080:[2606:4700::6810:84e5]")
        } else { Issue.record("v6.example refused") }
        #expect(await refusal("https://mixed.example/", g)?.contains("mixed.example resolves to 10.0.0.7, a private address") == true)
        #expect(await refusal("https://nowhere.example/", g)?.contains("cannot resolve nowhere.example") == true)
    }

    @Test("localhost resolves to loopback through the system resolver and is refused; allow_private and allow_hosts let it through")
    func localhostAndExemptions() async {
        #expect(await refusal("http://localhost:8080/")?.contains("localhost resolves to") == true)
        #expect(await refusal("http://localhost:8080/", AddressGuard(allowPrivate: true)) == nil)
        #expect(await refusal("http://localhost:8080/", AddressGuard(allowHosts: ["LOCALHOST"])) == nil)
        let corp = AddressGuard(allowHosts: ["*.corp.example"])
        #expect(await refusal("http://wiki.corp.example/", corp) == nil)
        #expect(await refusal("http://corp.example/", corp) == nil)
        #expect(await refusal("http://127.0.0.1/", corp) != nil)
    }
}

import AgentProtocol
@testable import AppFeature
import Testing
import TUIKit

/// The first-run screen: choosing what to talk to before any session exists.
@Suite("First run")
struct FirstRunTests {
    static let offers = [LocalModelOffer(spec: "qwen2.5-coder-7b-instruct", summary: "Qwen2.5-Coder 7B (4.7 GB download)", why: "fits this machine"),
                         LocalModelOffer(spec: "qwen2.5-coder-0.5b-instruct", summary: "Qwen2.5-Coder 0.5B (469 MB)", why: "works offline")]

    func fresh() -> AppState {
        var s = AppState()
        s.firstRun = FirstRunState(offers: Self.offers)
        return s
    }

    @Test("a detected server comes first and is chosen with Enter; a number picks a choice directly")
    func choose() {
        var s = fresh()
        _ = reduce(into: &s, .serversDetected([DetectedServer(url: "http://127.0.0.1:11434/v1", label: "Ollama")]))
        #expect(s.firstRun?.selected == 0 && s.firstRun?.isDetecting == false)
        #expect(key("enter", &s) == [.session(.useEndpoint(.server(url: "http://127.0.0.1:11434/v1", apiKey: "", model: "")))])
        #expect(s.firstRun?.step == .working)
        var t = fresh()
        _ = reduce(into: &t, .serversDetected([]))
        #expect(key("3", &t) == [.session(.useEndpoint(.local(spec: "qwen2.5-coder-0.5b-instruct")))])
        #expect(key("9", &t) == [], "no ninth choice")
    }

    @Test("another server: address (checked to be one), key (pasted), model; Esc goes back; a failure says why and keeps what was typed")
    func anotherServer() {
        var s = fresh()
        _ = reduce(into: &s, .serversDetected([]))
        _ = key("1", &s)
        #expect(s.firstRun?.step == .enterURL)
        type("openrouter.ai", into: &s)
        _ = key("enter", &s)
        #expect(s.firstRun?.error?.hasPrefix("an address starts with http://") == true)
        _ = key("ctrl-u", &s)
        type("https://openrouter.ai/api/v1", into: &s)
        _ = key("enter", &s)
        #expect(s.firstRun?.step == .enterKey)
        _ = reduce(into: &s, .pasted("sk-or-123\n"))
        #expect(s.firstRun?.key == "sk-or-123" && s.input.text.isEmpty, "a pasted key goes into the field, not the editor")
        _ = key("enter", &s)
        type("qwen/qwen3-coder", into: &s)
        #expect(key("enter", &s) == [.session(.useEndpoint(.server(url: "https://openrouter.ai/api/v1", apiKey: "sk-or-123", model: "qwen/qwen3-coder")))])
        _ = reduce(into: &s, .setupFailed("no OpenAI-compatible server answered"))
        #expect(s.firstRun?.step == .enterURL && s.firstRun?.url == "https://openrouter.ai/api/v1")
        #expect(s.firstRun?.error == "no OpenAI-compatible server answered")
        _ = key("esc", &s)
        #expect(s.firstRun?.step == .choose)
    }

    @Test("while the model is prepared the editor works and queues; when it is ready the first request is sent")
    func queueWhilePreparing() {
        var s = fresh()
        _ = key("2", &s)
        _ = reduce(into: &s, .setupProgress(SetupProgress(note: "downloading: 1.2 of 4.7 GB", fraction: 0.25)))
        #expect(s.firstRun?.progress?.fraction == 0.25)
        type("fix the build", into: &s)
        #expect(key("enter", &s) == [])
        #expect(s.queued == ["fix the build"])
        #expect(key("f1", &s) == [] && s.overlay == .help(scroll: 0), "the rest of the interface works meanwhile")
        _ = key("esc", &s)
        let fx = reduce(into: &s, .setupFinished(model: "qwen2.5-coder-7b-instruct", backend: "local"))
        #expect(s.firstRun == nil && s.model == "qwen2.5-coder-7b-instruct")
        #expect(fx == [.submit(.userTurn(UserTurn(text: "fix the build")))])
        #expect(s.queued.isEmpty && s.isBusy)
    }

    @Test("a failed preparation returns what was queued to the editor")
    func failureKeepsTyping() {
        var s = fresh()
        _ = key("2", &s)
        type("hello", into: &s)
        _ = key("enter", &s)
        _ = reduce(into: &s, .setupFailed("cannot reach huggingface.co"))
        #expect(s.input.text == "hello" && s.queued.isEmpty)
        #expect(s.firstRun?.step == .choose)
    }

    @Test("the first-run screen", arguments: sizes)
    func snapshot(size: (Int, Int)) {
        var s = state([])
        s.firstRun = FirstRunState(offers: Self.offers)
        _ = reduce(into: &s, .serversDetected([DetectedServer(url: "http://127.0.0.1:8080/v1", label: "llama.cpp")]))
        assertSnapshot(screen(s, size), named: "first-run")
    }

    @Test("the first-run screen while the model downloads", arguments: sizes)
    func snapshotPreparing(size: (Int, Int)) {
        var s = state([])
        s.firstRun = FirstRunState(offers: Self.offers)
        s.firstRun?.step = .working
        s.firstRun?.progress = SetupProgress(note: "downloading qwen2.5-coder-7b-instruct: 1.2 GB of 4.6 GB", fraction: 0.26)
        assertSnapshot(screen(s, size), named: "first-run-preparing")
    }
}

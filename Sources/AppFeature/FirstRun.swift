import AgentProtocol
import Foundation
import TUIKit

/// A server found running on this machine (the first-run screen offers it).
public struct DetectedServer: Sendable, Hashable {
    public var url: String
    /// "llama.cpp", "Ollama", "the built-in model"
    public var label: String
    public init(url: String, label: String) {
        self.url = url
        self.label = label
    }
}

/// A local model the first-run screen offers to prepare.
public struct LocalModelOffer: Sendable, Hashable {
    /// What `talaria local up --model` takes.
    public var spec: String
    public var summary: String
    /// Why this one ("fits this machine's 24 GB", "works offline").
    public var why: String
    public init(spec: String, summary: String, why: String) {
        self.spec = spec
        self.summary = summary
        self.why = why
    }
}

/// What the user chose to talk to.
public enum EndpointChoice: Sendable, Hashable {
    /// An OpenAI-compatible server; `apiKey` is kept out of config.yaml (in `secrets.env`).
    case server(url: String, apiKey: String, model: String)
    /// The built-in model (`talaria local up --model spec`).
    case local(spec: String)
}

/// How far preparing the built-in model is.
public struct SetupProgress: Sendable, Hashable {
    public var note: String
    public var fraction: Double?
    public init(note: String, fraction: Double? = nil) {
        self.note = note
        self.fraction = fraction
    }
}

/// The first-run screen: shown instead of a conversation when no model endpoint is configured
/// or found. It opens at once; preparing the built-in model runs in the background with a
/// progress bar while every other part of the interface stays usable, and a request typed
/// meanwhile is sent as soon as the model is ready.
public struct FirstRunState: Sendable, Hashable {
    public enum Step: Sendable, Hashable {
        case choose
        /// Typing the server's address, then its key, then (optionally) the model.
        case enterURL, enterKey, enterModel
        /// Checking a server, or preparing the built-in model.
        case working
    }

    public var step: Step = .choose
    public var servers: [DetectedServer] = []
    public var isDetecting = true
    public var offers: [LocalModelOffer]
    public var selected = 0
    public var url = ""
    public var key = ""
    public var model = ""
    public var progress: SetupProgress?
    public var error: String?

    public init(offers: [LocalModelOffer]) { self.offers = offers }

    /// The choices in order: servers found, another server, the local models.
    enum Choice: Hashable {
        case detected(DetectedServer), other, local(LocalModelOffer)
    }

    var choices: [Choice] { servers.map(Choice.detected) + [.other] + offers.map(Choice.local) }
}

// MARK: - Reducer

func firstRunKey(_ state: inout AppState, _ key: KeyEvent) -> [AppEffect]? {
    guard var f = state.firstRun else { return nil }
    switch f.step {
    case .working:
        return nil // the rest of the interface works; the editor queues the first request
    case .choose:
        let count = f.choices.count
        switch key.key {
        case .up: f.selected = (f.selected - 1 + count) % count
        case .down, .tab: f.selected = (f.selected + 1) % count
        case .character(let c) where key.modifiers.isEmpty && c.isNumber:
            guard let n = c.wholeNumberValue, n >= 1, n <= count else { return [] }
            f.selected = n - 1
            state.firstRun = f
            return choose(&state)
        case .enter:
            state.firstRun = f
            return choose(&state)
        default:
            return nil
        }
        state.firstRun = f
        return []
    case .enterURL, .enterKey, .enterModel:
        switch key.key {
        case .escape:
            f.step = .choose
            f.error = nil
        case .enter:
            f.error = nil
            if f.step == .enterURL {
                let url = f.url.trimmingCharacters(in: .whitespaces)
                guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
                    f.error = "an address starts with http:// or https://, like https://openrouter.ai/api/v1"
                    break
                }
                f.step = .enterKey
            } else if f.step == .enterKey {
                f.step = .enterModel
            } else {
                f.step = .working
                f.progress = SetupProgress(note: "checking \(f.url)…")
                state.firstRun = f
                return [.session(.useEndpoint(.server(url: f.url.trimmingCharacters(in: .whitespaces), apiKey: f.key,
                                                      model: f.model.trimmingCharacters(in: .whitespaces))))]
            }
        case .backspace:
            edit(&f) { if !$0.isEmpty { $0.removeLast() } }
        case .character("u") where key.modifiers == .control:
            edit(&f) { $0 = "" }
        case .character(let c) where key.modifiers.subtracting(.shift).isEmpty:
            edit(&f) { $0.append(c) }
        default:
            return []
        }
        state.firstRun = f
        return []
    }
}

/// A paste goes into the field being typed (an API key is usually pasted).
func firstRunPaste(_ state: inout AppState, _ text: String) -> Bool {
    guard var f = state.firstRun, [.enterURL, .enterKey, .enterModel].contains(f.step) else { return false }
    edit(&f) { $0 += text.trimmingCharacters(in: .whitespacesAndNewlines) }
    state.firstRun = f
    return true
}

private func edit(_ f: inout FirstRunState, _ body: (inout String) -> Void) {
    switch f.step {
    case .enterURL: body(&f.url)
    case .enterKey: body(&f.key)
    case .enterModel: body(&f.model)
    case .choose, .working: break
    }
}

private func choose(_ state: inout AppState) -> [AppEffect] {
    guard var f = state.firstRun, f.choices.indices.contains(f.selected) else { return [] }
    f.error = nil
    switch f.choices[f.selected] {
    case .detected(let server):
        f.step = .working
        f.progress = SetupProgress(note: "checking \(server.label) at \(server.url)…")
        state.firstRun = f
        return [.session(.useEndpoint(.server(url: server.url, apiKey: "", model: "")))]
    case .other:
        f.step = .enterURL
        state.firstRun = f
        return []
    case .local(let offer):
        f.step = .working
        f.progress = SetupProgress(note: "preparing \(offer.spec)…")
        state.firstRun = f
        return [.session(.useEndpoint(.local(spec: offer.spec)))]
    }
}

/// The host's answers while setting up.
func firstRunEvent(_ state: inout AppState, _ action: AppAction) -> [AppEffect] {
    switch action {
    case .serversDetected(let servers):
        guard var f = state.firstRun else { return [] }
        let before = f.choices.indices.contains(f.selected) ? f.choices[f.selected] : nil
        f.servers = servers
        f.isDetecting = false
        // A server that is running is the likely choice; otherwise keep what was selected.
        f.selected = servers.isEmpty ? (before.flatMap { f.choices.firstIndex(of: $0) } ?? 0) : 0
        state.firstRun = f
    case .setupProgress(let p):
        guard var f = state.firstRun else { return [] }
        f.progress = p
        state.firstRun = f
    case .setupFailed(let message):
        guard var f = state.firstRun else { return [] }
        f.step = f.url.isEmpty ? .choose : .enterURL
        f.error = message
        f.progress = nil
        state.firstRun = f
        // What was typed meanwhile goes back into the editor: nothing is lost.
        if !state.queued.isEmpty {
            state.input = InputBuffer(text: (state.queued + [state.input.text]).filter { !$0.isEmpty }.joined(separator: "\n"))
            state.queued = []
        }
    case .setupFinished(let model, let backend):
        state.firstRun = nil
        state.model = model
        state.backend = backend
        append(&state, .notice(Notice(.info, "ready: \(model) — saved in config.yaml")))
        // The request typed while the model was being prepared goes now.
        if !state.queued.isEmpty { return send(state.queued.removeFirst(), into: &state) }
    default:
        break
    }
    return []
}

// MARK: - Render

func drawFirstRun(_ f: FirstRunState, state: AppState, into buffer: inout ScreenBuffer, height: Int) {
    let theme = state.theme
    var lines: [StyledLine] = [
        StyledLine("Welcome to Talaria", theme.accent.merged(Style(attributes: .bold))),
        StyledLine(""),
        StyledLine("Choose the model to talk to (saved in config.yaml).", theme.text),
        StyledLine(""),
    ]
    let width = buffer.cols - 4
    switch f.step {
    case .choose:
        for (i, choice) in f.choices.enumerated() {
            let (title, detail): (String, String) = switch choice {
            case .detected(let s): ("\(s.label) at \(s.url)", "running on this machine")
            case .other: ("Another server", "OpenAI, OpenRouter, Ollama or vLLM elsewhere: its address and key")
            case .local(let o): ("The built-in model: \(o.summary)", o.why)
            }
            let selected = i == f.selected
            let mark = selected ? "›" : " "
            // Long titles and details wrap under the choice's text, never off the screen.
            for (j, part) in Wrap.lines(title, width: max(1, width - 7)).enumerated() {
                lines.append(StyledLine([Span(j == 0 ? " \(mark) \(i + 1)  " : "       ", selected ? theme.accent : theme.dim),
                                         Span(part, selected ? theme.accent.merged(Style(attributes: .bold)) : theme.text)]))
            }
            for part in Wrap.lines(detail, width: max(1, width - 7)) { lines.append(StyledLine([Span("       ", theme.dim), Span(part, theme.dim)])) }
        }
        if f.isDetecting { lines.append(StyledLine("   looking for servers on this machine…", theme.dim)) }
        lines.append(StyledLine(""))
        lines.append(StyledLine("↑↓ or a number to choose · Enter · Ctrl-C quits", theme.dim))
    case .enterURL, .enterKey, .enterModel:
        func field(_ label: String, _ value: String, active: Bool, hidden: Bool = false) {
            let shown = hidden ? String(repeating: "•", count: min(value.count, 40)) : value
            lines.append(StyledLine([Span("  \(label) ", active ? theme.accent : theme.dim), Span(shown, theme.text),
                                     Span(active ? "▌" : "", theme.accent)]))
        }
        field("Address (OpenAI-compatible base URL):", f.url, active: f.step == .enterURL)
        if f.step != .enterURL { field("API key (Enter: none; kept in secrets.env, not config.yaml):", f.key, active: f.step == .enterKey, hidden: true) }
        if f.step == .enterModel { field("Model (Enter: the server's first):", f.model, active: true) }
        lines.append(StyledLine(""))
        lines.append(StyledLine("Enter next · Esc back · Ctrl-U clears the field", theme.dim))
    case .working:
        if let p = f.progress {
            for part in Wrap.lines(p.note, width: max(1, width - 2)) { lines.append(StyledLine("  " + part, theme.text)) }
            if let fraction = p.fraction {
                let barWidth = max(10, min(50, width - 10))
                let filled = Int(Double(barWidth) * min(1, max(0, fraction)))
                lines.append(StyledLine([Span("  ", theme.text), Span(String(repeating: "█", count: filled), theme.accent),
                                         Span(String(repeating: "░", count: barWidth - filled), theme.dim),
                                         Span(String(format: " %3.0f%%", fraction * 100), theme.dim)]))
            }
        }
        lines.append(StyledLine(""))
        for text in ["You can type your first request now: it is sent as soon as the model is ready.",
                     "Ctrl-R sessions · F5 memory · F3 skills · F1 help meanwhile."] {
            for part in Wrap.lines(text, width: max(1, width)) { lines.append(StyledLine(part, theme.dim)) }
        }
    }
    if let e = f.error {
        lines.append(StyledLine(""))
        for l in Wrap.lines(e, width: max(1, width - 2)) { lines.append(StyledLine("  " + l, theme.error)) }
    }
    let top = max(0, (height - lines.count) / 2)
    for (i, line) in lines.enumerated() where top + i < height {
        buffer.put(clipLine(line, max(1, width)), x: 2, y: top + i, maxX: buffer.cols)
    }
}

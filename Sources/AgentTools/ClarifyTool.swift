import AgentProtocol
import Foundation

/// `clarify`: the model asks the user a question, with choices or free text, when a request is
/// ambiguous enough that guessing would waste work. Where nobody can answer, the model is told
/// to go on with its best judgment and say what it assumed.
public struct ClarifyTool: Tool {
    public static let maxChoices = 9
    public static let description = """
        Ask the user a question when the request is ambiguous and a wrong guess would waste work \
        (which of several approaches, a missing name or value). Give up to \(maxChoices) short \
        `choices` when the answer is one of a few; the user may always answer in their own words. \
        Do not ask what you can find out yourself with the other tools, and do not ask for \
        permission to run commands (that is asked for you).
        """

    public init() {}

    public var spec: ToolSpec {
        ToolSpec(name: "clarify", description: Self.description, parameters: schema([
            "question": ["type": "string", "description": "The question, in one or two sentences."],
            "choices": ["type": "array", "items": ["type": "string"], "description": "Answers to pick from (optional)."],
        ], required: ["question"]))
    }

    public func run(_ arguments: JSONValue, context: ToolContext) async -> ToolOutput {
        let question: String
        do { question = try ToolArguments(arguments).string("question").trimmingCharacters(in: .whitespacesAndNewlines) } catch {
            return .error(error.message)
        }
        guard !question.isEmpty else { return .error("the question is empty") }
        let choices = (arguments["choices"]?.arrayValue ?? []).compactMap { $0.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines) }
            .filter { !$0.isEmpty }
        guard choices.count <= Self.maxChoices else { return .error("at most \(Self.maxChoices) choices; ask a narrower question") }
        guard let askUser = context.askUser else { return Self.output(.noUser) }
        return Self.output(await askUser(ClarifyRequest(callID: context.callID, question: String(question.prefix(2000)), choices: choices)))
    }

    static func output(_ answer: ClarifyAnswer) -> ToolOutput {
        switch answer {
        case .answered(let text):
            ToolOutput(text: "The user answered: \(text)")
        case .declined:
            ToolOutput(text: "The user dismissed the question without answering. Go on with your best judgment and say what you assumed.")
        case .noUser:
            ToolOutput(text: "No user is available to answer (this session runs without one). Go on with your best judgment and say in your answer what you assumed.")
        case .cancelled:
            ToolOutput(text: "The question was cancelled: the user interrupted the turn.", status: .cancelled)
        }
    }
}

import ArgumentParser
import Foundation
import Gateway
import Generation
import LlamaEngine
import Retrieval
import SpeechToText
import TextToSpeech
import VoiceCore

/// `voice eval`: labelled questions through our answering strategy and through the plain-prompt baseline (top three
/// chunks, "answer only from the context", no guard): typed, typed as a speech recogniser mishears them, and
/// spoken by espeak-ng. Each set runs on a scratch knowledge base of its own documents (docs/evaluation.md).
struct Eval: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Answer quality on the labelled question sets: accuracy, declines, unsupported facts, latency.")

    @Option(help: "Which sets: dev (tune on these), test (only report), sample (knowledge/eval.json), or all.")
    var split = "dev"

    @Option(help: "Only the set with this name (a folder under eval/, or 'sample').")
    var set: String?

    @Flag(help: "Skip the spoken questions (text only, about three times faster).")
    var noVoice = false

    @Flag(help: "Skip the plain-prompt baseline.")
    var noBaseline = false

    @Flag(help: "Print every question with its answer (not for test sets: they are only reported).")
    var verbose = false

    @Option(help: "Only the questions containing this text (any case), to look into a few (dev and sample only).")
    var matching: String?

    @Flag(help: "Only the follow-ups, each asked in its conversation (dev and sample only).")
    var followUps = false

    @Option(help: "Also write each question's outcome and whole evidence, with its signals, to this file as JSON lines, for replaying the answer policy offline (dev and sample only).")
    var records: String?

    @OptionGroup var global: GlobalOptions

    /// The baseline's prompt, as the seed's pipeline words it.
    static let plainPrompt = GroundedPrompt(instructions: "Answer the question using only the context.", examples: [])

    func validate() throws {
        guard ["dev", "test", "sample", "all"].contains(split) else { throw ValidationError("split must be dev, test, sample or all") }
        if (verbose || matching != nil || followUps || records != nil) && (split == "test" || split == "all") {
            throw ValidationError("test sets are only reported: --verbose, --matching, --follow-ups and --records work on dev and sample")
        }
    }

    func run() async throws {
        let logger = global.bootstrap()
        let settings = try global.settings()
        let root = BenchRAG.repositoryRoot
        let sets = try NamedEvalSet.all(repositoryRoot: root, knowledge: settings.knowledgeDirectory).filter {
            (split == "all" || $0.split == split) && (set == nil || $0.name == set)
        }
        guard !sets.isEmpty else { throw ValidationError("no evaluation set matches (sets live in eval/<name>/set.json)") }
        if verbose || records != nil, sets.contains(where: { $0.split == "test" }) {
            throw ValidationError("test sets are only reported: --verbose and --records work on dev and sample")
        }
        let recorder = try records.map { path in
            guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
                throw ValidationError("cannot write \(path)")
            }
            return handle
        }
        defer { try? recorder?.close() }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("voice-eval-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        var total = Results()
        for named in sets {
            var setSettings = settings
            setSettings.knowledgeDirectory = named.documents
            setSettings.dataDirectory = scratch.appendingPathComponent(named.name)
            setSettings.audioDirectory = setSettings.dataDirectory.appendingPathComponent("audio")
            let stack = try await LiveStack.load(settings: setSettings, logger: logger)
            let results = try await evaluate(named, stack: stack, recorder: recorder)
            if sets.count > 1 { report(results, title: "\(named.name) (\(named.split))") }
            total.merge(results)
        }
        let names = sets.map(\.name).joined(separator: ", ")
        report(total, title: sets.count > 1 ? "all of \(split): \(names)" : "\(names) (\(sets[0].split))")
    }

    func evaluate(_ named: NamedEvalSet, stack: LiveStack, recorder: FileHandle?) async throws -> Results {
        let pipeline = stack.gateway.pipeline
        var items: [(path: String, question: EvalSet.Question, text: String, audio: Data?)] = []
        for question in named.set.questions where (matching.map { question.question.localizedCaseInsensitiveContains($0) } ?? true)
            && (!followUps || question.follows != nil) {
            items.append(("text", question, question.question, nil))
            if let variant = question.asr_variant { items.append(("misheard", question, variant, nil)) }
            if !noVoice {
                // espeak-ng, as the issue's spoken path defines it: Piper's voice draws fresh noise on every call, so
                // its recordings, and the scores, would change from run to run.
                let wav = try await stack.speaker.speak(SpeakRequest(text: question.question, voice: Speaker.espeakVoice, rate: 150),
                                                        persist: false).wav
                items.append(("voice", question, question.question, wav))
            }
        }
        var results = Results()
        for item in items {
            for strategy in noBaseline ? ["ours"] : ["ours", "plain"] {
                let clock = ContinuousClock()
                let start = clock.now
                var transcript = item.text
                let (answer, evidence, declined): (String, [String], Bool)
                var how = "plain"
                var history: [ChatTurn] = []
                if strategy == "ours" {
                    // A follow-up is asked in its conversation, as the widget keeps it: the questions it follows
                    // (a chain, oldest first) each asked with the turns before it, the last three turns kept.
                    for earlier in named.set.conversation(before: item.question) {
                        let reply = try await pipeline.answer(text: earlier, history: history)
                        history = Array((history + [ChatTurn(role: "user", content: earlier),
                                                    ChatTurn(role: "assistant", content: reply.response_text)]).suffix(6))
                    }
                    let reply = if let audio = item.audio {
                        try await pipeline.answer(audio: audio, contentType: "audio/wav", language: nil, history: history)
                    } else {
                        try await pipeline.answer(text: item.text, history: history)
                    }
                    transcript = reply.transcript
                    answer = reply.response_text
                    evidence = reply.citations.flatMap { [$0.text, $0.title ?? "", $0.heading ?? ""] }
                    declined = reply.answer_kind == .not_covered
                    how = reply.answer_kind.rawValue + (reply.grounding.map { "/\($0.rawValue)" } ?? "")
                } else {
                    if let audio = item.audio {
                        transcript = try await stack.recognizer.transcribe(audio: audio, contentType: "audio/wav",
                                                                          options: TranscribeOptions()).text
                    }
                    (answer, evidence) = try await baseline(transcript, stack: stack)
                    declined = TextWords.declinesToAnswer(answer)
                }
                var outcome = Outcome(question: item.question, transcript: transcript, answer: answer, evidence: evidence,
                                      declined: declined, milliseconds: (clock.now - start).fractionalMilliseconds)
                // The evidence as the answer policy read it: the question with the one it follows, without a preamble,
                // and a follow-up's sentences judged by its own words. Asked again after the answer, so the latency
                // above is the answer's alone.
                let reading = FollowUp.standalone(transcript, history: history)
                let retrieved = strategy == "ours" && (verbose || recorder != nil || outcome.category == .answerable)
                    ? try await pipeline.evidence(for: reading, asked: transcript.trimmingCharacters(in: .whitespacesAndNewlines))
                    : nil
                let facts = item.question.expected_facts
                let statesFacts = { (text: String) in !facts.isEmpty && Outcome.states(facts, in: text) }
                if let retrieved, outcome.category == .answerable {
                    let asksYesOrNo = AnswerType.asksYesOrNo(transcript)
                    outcome.reach = Reach(retrieved, facts: facts, policy: pipeline.policy, asksYesOrNo: asksYesOrNo)
                    if outcome.reach == .first, let best = Reach.first(of: retrieved, policy: pipeline.policy, asksYesOrNo: asksYesOrNo) {
                        outcome.checksFailedFirst = pipeline.policy.failedChecks(best)
                    }
                }
                results.add(outcome, path: item.path, strategy: strategy)
                if let recorder, let retrieved {
                    let record = Record(set: named.name, path: item.path, question: item.question, transcript: transcript,
                                        reading: reading.text, answer: answer, answer_kind: how, correct: outcome.correct,
                                        milliseconds: outcome.milliseconds,
                                        evidence: retrieved.evidence.map { Record.Evidence(sentence: $0, states_facts: statesFacts($0.text)) })
                    try recorder.write(contentsOf: try JSONEncoder().encode(record) + Data("\n".utf8))
                }
                if verbose, let retrieved {
                    // "*" marks a sentence that states the expected facts; "facts in no chunk" says retrieval missed them.
                    let found = facts.isEmpty || retrieved.documents.contains { Outcome.states(facts, in: $0.text) }
                    print(String(format: "     chunk %.3f", retrieved.documents.first?.score ?? 0) + (found ? "" : " facts in no chunk")
                        + retrieved.evidence.map {
                        (statesFacts($0.text) ? " | *" : " | ")
                            + String(format: "%.3f sim %.2f cov %.2f", $0.score, $0.similarity, $0.coverage)
                            + ($0.unmatched.isEmpty ? "" : " -\($0.unmatched)") + ($0.unknown.isEmpty ? "" : " ?\($0.unknown)")
                            + ($0.states_fact == false ? " !type" : "") + ($0.answer_score.map { String(format: " ans %.1f", $0) } ?? "")
                            + " " + String($0.text.prefix(40))
                    }.joined())
                    // Where a chunk states the facts and no evidence sentence does: the sentence that states them, or
                    // that no one sentence does (the facts are split across sentences).
                    if found, !facts.isEmpty, !retrieved.evidence.contains(where: { Outcome.states(facts, in: $0.text) }) {
                        let stating = retrieved.documents.flatMap { Chunker.sentences($0.text) }.filter { Outcome.states(facts, in: $0) }
                        print("     stated by " + (stating.isEmpty ? "no one sentence" : stating.prefix(2).map { "\"\($0.prefix(100))\"" }.joined(separator: ", ")))
                    }
                }
                if verbose {
                    let mark = outcome.correct ? "ok  " : "MISS"
                    let shape = item.question.shape ?? (item.question.answerable ? "answerable" : "unanswerable")
                    print("\(mark) [\(item.path) \(strategy) \(how) \(shape)] \(transcript) → \(answer)"
                        + (outcome.unsupported.isEmpty ? "" : "  (not in evidence: \(outcome.unsupported.joined(separator: ", ")))")
                        + String(format: "  [%.0f ms]", outcome.milliseconds))
                }
            }
        }
        return results
    }

    /// The seed's way: the top three chunks, the plain prompt, temperature 0, whatever the model says, spoken.
    func baseline(_ question: String, stack: LiveStack) async throws -> (String, [String]) {
        let retrieved = try await stack.knowledge.retrieve(RetrieveRequest(query: question, top_k: 3))
        let context = retrieved.documents.map { ContextItem(text: $0.text, source: $0.source) }
        let (messages, parameters) = try stack.responder.plan(RespondRequest(query: question, context: context),
                                                              prompt: Self.plainPrompt)
        var text = ""
        for try await event in try await stack.responder.backend.generate(messages, parameters: parameters, stop: nil) {
            if case .text(let piece) = event { text += piece }
        }
        let answer = SpokenAnswerFilter.spoken(text)
        _ = try await stack.speaker.speak(text: answer.isEmpty ? "I don't know." : answer, voice: nil)
        return (answer, context.map(\.text))
    }

    struct Outcome {
        let question: EvalSet.Question
        let transcript: String
        let answer: String
        let evidence: [String]
        let declined: Bool
        let milliseconds: Double

        /// How far an answerable question's fact got through retrieval, when that was looked at.
        var reach: Reach?
        /// Where the sentence ordered first states the fact: the answer policy's checks it fails.
        var checksFailedFirst: [AnswerPolicy.Check]?

        /// Numbers and names in the answer that its evidence does not state.
        var unsupported: [String] { declined ? [] : GroundednessGuard(evidence: evidence).unsupported(in: answer) }

        /// Whether a listener can take the answer in: at most 40 words and four numbers, no table syntax.
        var speakable: Bool {
            TextWords.words(answer).count <= 40 && !answer.contains("|") && !answer.contains("\t")
                && AnswerPolicy.numbers(in: answer) <= 4
        }

        /// Answerable: not declined, speakable, and every expected fact is in the answer ("ten seconds" matches "10
        /// seconds"). Unanswerable: declined.
        var correct: Bool {
            guard question.answerable else { return declined }
            guard !declined, speakable else { return false }
            return Self.states(question.expected_facts, in: answer)
        }

        /// Whether `text` states every fact ("ten seconds" states "10 seconds"). Brackets are not said: the spoken
        /// answer "…by calling, 03, 5550 2140" states "(03) 5550 2140".
        static func states(_ facts: [String], in text: String) -> Bool {
            let said = GroundednessGuard(evidence: [text])
            return facts.allSatisfy { fact in
                let words = fact.split(separator: " ").map { $0.trimmingCharacters(in: ["(", ")"]) }
                return mentions(fact, in: text) || (said.unsupported(in: fact).isEmpty && words.allSatisfy { word in
                    Int(word) != nil || SpokenNumbers.isNumberWord(word) || mentions(word, in: text)
                })
            }
        }

        /// Whether `text` has `fact` as words of its own, case aside: "$6" is not in "$6.50", "40" not in "140",
        /// "No" not in "not".
        static func mentions(_ fact: String, in text: String) -> Bool {
            func isWordCharacter(_ index: String.Index) -> Bool { text[index].isLetter || text[index].isNumber }
            var from = text.startIndex
            while let found = text.range(of: fact, options: [.caseInsensitive], range: from..<text.endIndex) {
                let before = found.lowerBound > text.startIndex && isWordCharacter(text.index(before: found.lowerBound))
                var after = found.upperBound < text.endIndex && isWordCharacter(found.upperBound)
                // A number goes on past a decimal point or a time's colon: "$6" ends inside "$6.50".
                if !after, found.upperBound < text.endIndex, ".,:".contains(text[found.upperBound]),
                   text.index(after: found.upperBound) < text.endIndex, text[text.index(after: found.upperBound)].isNumber,
                   fact.last?.isNumber == true {
                    after = true
                }
                if !before && !after { return true }
                from = text.index(after: found.lowerBound)
            }
            return false
        }

        /// An answerable question declined, but offered a closest sentence that states the asked fact.
        var factOffered: Bool {
            question.answerable && declined && answer.hasPrefix(AnswerPolicy.offerOpening) && Self.states(question.expected_facts, in: answer)
        }

        /// The report row the question belongs to.
        var category: Category {
            if question.follows != nil { return .followUp }
            if question.answerable { return .answerable }
            return question.near_miss == true ? .nearMiss : .unanswerable
        }
    }

    /// One question's line in `--records`: what was asked and read, the outcome, and every evidence sentence with its
    /// signals, as the answer policy saw them, so a change to the policy can be replayed over a run without running it.
    struct Record: Encodable {
        struct Evidence: Encodable {
            let sentence: EvidenceSentence
            /// Whether the sentence states the question's expected facts.
            let states_facts: Bool
        }
        let set: String
        let path: String
        let question: EvalSet.Question
        let transcript: String
        let reading: String
        let answer: String
        let answer_kind: String
        let correct: Bool
        let milliseconds: Double
        let evidence: [Evidence]
    }

    /// How far retrieval carried an answerable question's fact before the answer policy's checks judged it: into a
    /// retrieved chunk, into the evidence sentences, into the one the policy orders first (relevance moved by the
    /// reranker, ``AnswerPolicy/rank(_:asksYesOrNo:)``). Where answers are lost shows which part to improve: the
    /// search, the choice of sentences, their order, or the checks.
    enum Reach: Int, Comparable {
        case missed, chunk, evidence, first

        /// The evidence sentence the policy orders first.
        static func first(of retrieved: RetrieveResponse, policy: AnswerPolicy, asksYesOrNo: Bool) -> EvidenceSentence? {
            retrieved.evidence.max(by: { policy.rank($0, asksYesOrNo: asksYesOrNo) < policy.rank($1, asksYesOrNo: asksYesOrNo) })
        }

        init(_ retrieved: RetrieveResponse, facts: [String], policy: AnswerPolicy, asksYesOrNo: Bool) {
            if let best = Self.first(of: retrieved, policy: policy, asksYesOrNo: asksYesOrNo), Outcome.states(facts, in: best.text) {
                self = .first
            } else if retrieved.evidence.contains(where: { Outcome.states(facts, in: $0.text) }) {
                self = .evidence
            } else if retrieved.documents.contains(where: { Outcome.states(facts, in: $0.text) }) {
                self = .chunk
            } else {
                self = .missed
            }
        }

        static func < (lhs: Reach, rhs: Reach) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    enum Category: CaseIterable {
        case answerable, nearMiss, unanswerable, followUp

        var label: String {
            switch self {
            case .answerable: "answerable, right+speakable"
            case .nearMiss: "near misses, declined"
            case .unanswerable: "out of scope, declined"
            case .followUp: "follow-ups in conversation"
            }
        }
    }

    /// Outcomes by path ("text", "misheard", "voice") and strategy ("ours", "plain").
    struct Results {
        var outcomes: [String: [Outcome]] = [:]

        mutating func add(_ outcome: Outcome, path: String, strategy: String) {
            outcomes["\(path)/\(strategy)", default: []].append(outcome)
        }

        mutating func merge(_ other: Results) {
            outcomes.merge(other.outcomes) { $0 + $1 }
        }
    }

    func report(_ results: Results, title: String) {
        let paths = ["text", "misheard", "voice"].filter { results.outcomes["\($0)/ours"] != nil }
        let strategies = noBaseline ? ["ours"] : ["ours", "plain"]
        print("\nanswer quality: \(title) (SmolLM2-135M; ours = the answer path, plain = the seed's prompt)")
        let widths = [28] + Array(repeating: 14, count: paths.count * strategies.count)
        print(row(["questions"] + paths.flatMap { path in strategies.map { "\(path) \($0)" } }, widths: widths))
        func cells(_ body: ([Outcome]) -> String) -> [String] {
            paths.flatMap { path in strategies.map { body(results.outcomes["\(path)/\($0)"] ?? []) } }
        }
        func share(_ part: Int, _ whole: Int) -> String {
            whole == 0 ? "–" : String(format: "%d/%d %3.0f%%", part, whole, 100 * Double(part) / Double(whole))
        }
        for (label, least) in [("answerable, fact retrieved", Reach.chunk), ("  in the evidence sentences", .evidence),
                               ("  in the one ordered first", .first)] {
            print(row([label] + cells { outcomes in
                let looked = outcomes.compactMap(\.reach)
                return share(looked.filter { $0 >= least }.count, looked.count)
            }, widths: widths))
        }
        // Where the sentence ordered first states the fact and the answer is still not right: the checks that
        // turned it away (a sentence may fail several), or none, when another sentence was chosen or the answer
        // was not speakable.
        print(row(["  first, not answered right"] + cells { outcomes in
            let first = outcomes.filter { $0.reach == .first }
            return share(first.filter { !$0.correct }.count, first.count)
        }, widths: widths))
        for check in [AnswerPolicy.Check?.none] + AnswerPolicy.Check.allCases.map(Optional.some) {
            print(row(["    " + (check.map { "failed: \($0.rawValue)" } ?? "passed every check")] + cells { outcomes in
                let lost = outcomes.filter { $0.reach == .first && !$0.correct }.compactMap(\.checksFailedFirst)
                return share(lost.filter { check.map($0.contains) ?? $0.isEmpty }.count, lost.count)
            }, widths: widths))
        }
        for category in Category.allCases {
            print(row([category.label] + cells { outcomes in
                let asked = outcomes.filter { $0.category == category }
                return share(asked.filter(\.correct).count, asked.count)
            }, widths: widths))
        }
        // A decline that offers the closest sentence counts as a decline above; this row says how often the
        // offer held what an answerable question asked for.
        print(row(["declined, asked fact offered"] + cells { outcomes in
            let declined = outcomes.filter { $0.category == .answerable && $0.declined }
            return share(declined.filter(\.factOffered).count, declined.count)
        }, widths: widths))
        print(row(["number/name not in evidence"] + cells { outcomes in
            share(outcomes.filter { !$0.unsupported.isEmpty }.count, outcomes.count)
        }, widths: widths))
        for (label, percentile) in [("median latency", 50.0), ("p90 latency", 90.0)] {
            print(row([label] + cells { outcomes in
                outcomes.isEmpty ? "–" : String(format: "%.0f ms", Samples(milliseconds: outcomes.map(\.milliseconds)).percentile(percentile))
            }, widths: widths))
        }
    }
}

// Prompt -> partial scene. Tolerant of case, punctuation, synonyms and word order; every word it
// does not know comes back with the nearest known word, never silently dropped.
//
// Tokens become meanings through PromptLexicon.swift; PromptGrouping.swift gathers the meanings
// into objects.
import Foundation
import TesseraEngine

/// A word the parser does not know, with the nearest word it does.
public struct UnknownWord: Hashable, Sendable, CustomStringConvertible {
    public let word: String
    public let suggestion: String
    public let distance: Int
    public var description: String { "'\(word)' (nearest known word: '\(suggestion)')" }
}

public struct ParsedPrompt: Sendable {
    public var scene: PartialScene
    public var unknownWords: [UnknownWord]
    /// Things the parser had to decide (conflicts, too many objects), one sentence each.
    public var notes: [String]
}

public struct PromptError: Error, Equatable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

public enum PromptParser {
    /// Longest prompt accepted, in Unicode scalars. Keeps parsing time and memory bounded.
    public static let maximumLength = 2000

    public static func parse(_ text: String) throws -> ParsedPrompt {
        let length = text.unicodeScalars.count
        guard length <= maximumLength else {
            throw PromptError(message: "prompt is \(length) characters long; the limit is \(maximumLength)")
        }
        var builder = SceneBuilder()
        var unknown: [UnknownWord] = []
        let tokens = PromptTokenizer.tokens(text).filter {
            if case .word(let w) = $0 { return !PromptLexicon.articles.contains(w) }
            return true
        }
        var i = 0
        while i < tokens.count {
            guard case .word = tokens[i] else {
                builder.add(.separator)
                i += 1
                continue
            }
            if let (meaning, used) = longestMatch(tokens, at: i) {
                builder.add(meaning)
                i += used
            } else {
                if case .word(let w) = tokens[i], !unknown.contains(where: { $0.word == w }) {
                    unknown.append(nearestKnown(w))
                }
                i += 1
            }
        }
        let (scene, notes) = builder.finish()
        return ParsedPrompt(scene: scene, unknownWords: unknown, notes: notes)
    }

    static func longestMatch(_ tokens: [PromptToken], at start: Int) -> (Meaning, Int)? {
        var words: [String] = []
        var best: (Meaning, Int)?
        for j in start..<min(tokens.count, start + PromptLexicon.longestPhrase) {
            guard case .word(let w) = tokens[j] else { break }
            words.append(w)
            if let m = PromptLexicon.table[words.joined(separator: " ")] { best = (m, words.count) }
        }
        return best
    }

    static func nearestKnown(_ word: String) -> UnknownWord {
        let probe = Array(word.prefix(40))
        var best = ("", Int.max)
        for (candidate, letters) in knownLetters {
            // Lengths alone bound the distance from below; skip candidates that cannot win.
            if abs(letters.count - probe.count) >= best.1 { continue }
            let d = editDistance(probe, letters)
            if d < best.1 { best = (candidate, d) }
        }
        return UnknownWord(word: word, suggestion: best.0, distance: best.1)
    }

    static let knownLetters: [(String, [Character])] = PromptLexicon.knownWords.map { ($0, Array($0)) }
}

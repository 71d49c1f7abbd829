// Word-level tokenizer over the world's words. Lowercase; letters and digits make words, the
// punctuation , . ; : ! ? & becomes its own token, apostrophes are dropped ("it's" -> "its"),
// anything else separates words. Ids: 0 [PAD], 1 [UNK], 2 [NULL] (the empty caption of classifier-
// free guidance), then punctuation, then words in sorted order. Sequences have a fixed length
// (padded with [PAD], truncated beyond it).
import TesseraEngine
import TesseraWorld

public struct TextTokenizer: Codable, Equatable, Sendable {
    public static let pad = 0, unknown = 1, null = 2
    public static let specials = ["[PAD]", "[UNK]", "[NULL]"]
    public static let punctuation = PromptTokenizer.separators

    public let words: [String]
    public let maxLength: Int
    private let idByWord: [String: Int]

    enum CodingKeys: String, CodingKey { case words, maxLength = "max_length" }

    public init(words: [String], maxLength: Int) {
        self.words = words
        self.maxLength = maxLength
        var map: [String: Int] = [:]
        for (i, w) in words.enumerated() { map[w] = i }
        idByWord = map
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(words: try c.decode([String].self, forKey: .words), maxLength: try c.decode(Int.self, forKey: .maxLength))
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(words, forKey: .words)
        try c.encode(maxLength, forKey: .maxLength)
    }

    public var vocabularySize: Int { words.count }

    /// The world's tokenizer: every word the parser accepts plus every word of the detailed and
    /// short captions of `sampledScenes` scenes (the short-caption gerunds are not parser words).
    public static func world(maxLength: Int = 48, sampledScenes: Int = 3000) -> TextTokenizer {
        var vocabulary = Set(WorldWords.parserWords)
        let sampler = SceneSampler(seed: 0x7E47)
        for i in 0..<sampledScenes {
            let c = sampler.captioned(index: i)
            for piece in split(c.detailed) + split(c.short) where !punctuation.contains(piece) { vocabulary.insert(piece) }
        }
        return TextTokenizer(words: specials + punctuation + vocabulary.sorted(), maxLength: maxLength)
    }

    /// Lowercased words and punctuation marks, in order: the prompt parser's own split, so the model
    /// and the parser always see the same words.
    public static func split(_ text: String) -> [String] { PromptTokenizer.pieces(text) }

    /// Ids of `text`, padded or truncated to `maxLength`. An empty caption is [NULL] then padding.
    public func ids(_ text: String) -> [Int] {
        var ids = TextTokenizer.split(text).map { idByWord[$0] ?? TextTokenizer.unknown }
        if ids.isEmpty { ids = [TextTokenizer.null] }
        if ids.count > maxLength { ids = Array(ids.prefix(maxLength)) }
        return ids + [Int](repeating: TextTokenizer.pad, count: maxLength - ids.count)
    }

    /// The null caption (classifier-free guidance's unconditional input).
    public var nullIds: [Int] { ids("") }

    /// Words of `text` the vocabulary lacks.
    public func unknownWords(_ text: String) -> [String] {
        TextTokenizer.split(text).filter { idByWord[$0] == nil }
    }
}

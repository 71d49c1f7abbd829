// The world's word list for text encoders: every single word the prompt parser knows.
// Captions use only these words plus a few short-caption gerunds, which tokenizers collect from
// sampled captions (see TesseraTransformer/TextTokenizer.swift).

public enum WorldWords {
    /// Every single word (lowercase) of every phrase the parser accepts, articles included, sorted.
    public static var parserWords: [String] { PromptLexicon.knownWords }
}

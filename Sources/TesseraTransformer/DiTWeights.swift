// Shipped DiT weights: one safetensors file with every parameter (keys = parameter names) and, in
// the metadata, the format, the config JSON and the tokenizer JSON, so the file describes itself.
import Foundation
import TesseraEngine

/// The config and tokenizer that together define a DiT (also the training checkpoint's `config`).
public struct DiTDescription: Codable, Equatable, Sendable {
    public var config: DiTConfig
    public var tokenizer: TextTokenizer
    public init(config: DiTConfig, tokenizer: TextTokenizer) { self.config = config; self.tokenizer = tokenizer }
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }
    public static func decode(_ text: String) throws -> DiTDescription { try JSONDecoder().decode(DiTDescription.self, from: Data(text.utf8)) }
}

extension DiffusionTransformer where T == Float {
    public static var weightsFormat: String { "tessera-dit-v1" }

    public func saveWeights(to path: String, tokenizer: TextTokenizer, extraMetadata: [String: String] = [:]) throws {
        var w = SafeTensorsWriter()
        store.save(into: &w)
        w.metadata = extraMetadata.merging(["format": Self.weightsFormat, "config": config.json,
                                            "tokenizer": try CanonicalJSON.string(tokenizer)]) { $1 }
        try w.write(to: path)
    }

    /// Loads strictly: the file's config builds the network, then every tensor must match.
    public static func load(path: String) throws -> (model: DiffusionTransformer<Float>, tokenizer: TextTokenizer) {
        try load(file: SafeTensors.read(path: path), path: path)
    }

    /// Loads from a file already read (`path` names it in errors).
    public static func load(file: SafeTensors, path: String) throws -> (model: DiffusionTransformer<Float>, tokenizer: TextTokenizer) {
        guard file.metadata["format"] == weightsFormat else {
            throw SafeTensorsError("\(path) is not Tessera DiT weights (format '\(file.metadata["format"] ?? "none")', expected '\(weightsFormat)')")
        }
        guard let c = file.metadata["config"], let config = try? JSONDecoder().decode(DiTConfig.self, from: Data(c.utf8)),
              let t = file.metadata["tokenizer"], let tokenizer = try? JSONDecoder().decode(TextTokenizer.self, from: Data(t.utf8)) else {
            throw SafeTensorsError("\(path): missing or unreadable DiT config or tokenizer in the metadata")
        }
        if let problem = config.validate() { throw SafeTensorsError("\(path): bad DiT config: \(problem)") }
        let model = DiffusionTransformer<Float>(config: config, initializesValues: false)   // the load sets every parameter
        try model.store.load(from: file)
        return (model, tokenizer)
    }
}

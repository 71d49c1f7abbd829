// Configuration of the diffusion transformer, with named presets (DiT's `DiT_models` registry).
import Foundation

public enum AttentionMode: String, Codable, Sendable {
    /// Every block attends over the whole spacetime grid of a sample.
    case full
    /// Blocks alternate: even blocks attend within each frame, odd blocks across frames at each
    /// position (Latte's interleaved variant); same parameters as `full`, fewer score entries.
    case factorized
}

public struct DiTConfig: Codable, Equatable, Sendable {
    public var width: Int
    public var depth: Int
    public var heads: Int
    public var mlpRatio: Int
    /// Spatial patch (ph, pw) of a latent frame; one latent frame per token (pt = 1).
    public var patch: [Int]
    public var latentChannels: Int
    public var attention: AttentionMode
    public var textLayers: Int
    public var maxTextLength: Int
    public var vocabularySize: Int
    /// Adds absolute frame positions (AbsolutePosition.swift) to the token embeddings. Off in files
    /// written before it existed (the key is then absent, and stays absent when re-encoded).
    public var absolutePosition: Bool
    /// Accepts clean leading latent frames as context (`forward(contextFrames:)`), marked by a
    /// learned embedding: the first frame is made as an image, the others are generated around it.
    /// Off in older files (the key is then absent).
    public var frameContext: Bool
    /// Marks a full render's refinement steps by a learned embedding added to every token (models
    /// trained with `train dit --refine-share`): there x_t starts from an upscaled preview, whose
    /// objects are blobs to be redrawn, not a noised sharp clip to be kept. Off in older files.
    public var refinementEmbedding: Bool
    /// Adds each token's frame time since the clip start (AbsolutePosition.timeFeatures) to the token
    /// embeddings, so a frame knows how far it is from the clean first frame. Off in older files.
    public var absoluteTime: Bool
    /// Adds the scene's object layout (ObjectLayout.swift: where each object's box is in each frame)
    /// to the token embeddings, so a generation follows the expanded prompt's plan. Off in older files.
    public var objectLayout: Bool
    /// With the object layout: also each object's presence and in-frame share per frame
    /// (ObjectLayout.swift), so an object that has left the frame is not drawn back in. Off in older files.
    public var objectPresence: Bool
    /// With presence: also each object's silhouette as visible coverage of 4x4 cells per token
    /// (ObjectLayout.swift), so the outline is planned, not guessed. Off in older files.
    public var objectSilhouette: Bool
    /// With silhouettes: also the silhouettes at the in-between video frames each latent frame stands
    /// for (ObjectLayout.swift), so a fast path within a latent frame is planned. Off in older files.
    public var objectSubframes: Bool
    /// Noise levels at which refinement steps are trained (and marked when sampling): a render
    /// starts at 0.75; below 0.5 its input is the previous steps' estimate, the plain path.
    public static let refinementTimes = 0.5...0.95

    /// Whether a refinement step at noise level `t` is marked: models with the embedding, at the
    /// levels their refinement training covers.
    public func marksRefinement(at t: Double) -> Bool { refinementEmbedding && t >= DiTConfig.refinementTimes.lowerBound }

    enum CodingKeys: String, CodingKey {
        case width, depth, heads, patch, attention
        case mlpRatio = "mlp_ratio", latentChannels = "latent_channels", textLayers = "text_layers"
        case maxTextLength = "max_text_length", vocabularySize = "vocabulary_size", absolutePosition = "absolute_position"
        case frameContext = "frame_context", refinementEmbedding = "refinement_embedding", absoluteTime = "absolute_time"
        case objectLayout = "object_layout", objectPresence = "object_presence", objectSilhouette = "object_silhouette"
        case objectSubframes = "object_subframes"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        width = try c.decode(Int.self, forKey: .width); depth = try c.decode(Int.self, forKey: .depth)
        heads = try c.decode(Int.self, forKey: .heads); mlpRatio = try c.decode(Int.self, forKey: .mlpRatio)
        patch = try c.decode([Int].self, forKey: .patch); latentChannels = try c.decode(Int.self, forKey: .latentChannels)
        attention = try c.decode(AttentionMode.self, forKey: .attention); textLayers = try c.decode(Int.self, forKey: .textLayers)
        maxTextLength = try c.decode(Int.self, forKey: .maxTextLength); vocabularySize = try c.decode(Int.self, forKey: .vocabularySize)
        absolutePosition = try c.decodeIfPresent(Bool.self, forKey: .absolutePosition) ?? false
        frameContext = try c.decodeIfPresent(Bool.self, forKey: .frameContext) ?? false
        refinementEmbedding = try c.decodeIfPresent(Bool.self, forKey: .refinementEmbedding) ?? false
        absoluteTime = try c.decodeIfPresent(Bool.self, forKey: .absoluteTime) ?? false
        objectLayout = try c.decodeIfPresent(Bool.self, forKey: .objectLayout) ?? false
        objectPresence = try c.decodeIfPresent(Bool.self, forKey: .objectPresence) ?? false
        objectSilhouette = try c.decodeIfPresent(Bool.self, forKey: .objectSilhouette) ?? false
        objectSubframes = try c.decodeIfPresent(Bool.self, forKey: .objectSubframes) ?? false
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(width, forKey: .width); try c.encode(depth, forKey: .depth); try c.encode(heads, forKey: .heads)
        try c.encode(mlpRatio, forKey: .mlpRatio); try c.encode(patch, forKey: .patch); try c.encode(latentChannels, forKey: .latentChannels)
        try c.encode(attention, forKey: .attention); try c.encode(textLayers, forKey: .textLayers)
        try c.encode(maxTextLength, forKey: .maxTextLength); try c.encode(vocabularySize, forKey: .vocabularySize)
        if absolutePosition { try c.encode(true, forKey: .absolutePosition) }
        if frameContext { try c.encode(true, forKey: .frameContext) }
        if refinementEmbedding { try c.encode(true, forKey: .refinementEmbedding) }
        if absoluteTime { try c.encode(true, forKey: .absoluteTime) }
        if objectLayout { try c.encode(true, forKey: .objectLayout) }
        if objectPresence { try c.encode(true, forKey: .objectPresence) }
        if objectSilhouette { try c.encode(true, forKey: .objectSilhouette) }
        if objectSubframes { try c.encode(true, forKey: .objectSubframes) }
    }

    public init(width: Int, depth: Int, heads: Int, mlpRatio: Int = 4, patch: [Int] = [2, 2], latentChannels: Int = 16,
                attention: AttentionMode = .full, textLayers: Int = 2, maxTextLength: Int = 48, vocabularySize: Int = 0,
                absolutePosition: Bool = false, frameContext: Bool = false, refinementEmbedding: Bool = false,
                absoluteTime: Bool = false, objectLayout: Bool = false, objectPresence: Bool = false, objectSilhouette: Bool = false,
                objectSubframes: Bool = false) {
        self.width = width; self.depth = depth; self.heads = heads; self.mlpRatio = mlpRatio; self.patch = patch
        self.latentChannels = latentChannels; self.attention = attention; self.textLayers = textLayers
        self.maxTextLength = maxTextLength; self.vocabularySize = vocabularySize; self.absolutePosition = absolutePosition
        self.frameContext = frameContext; self.refinementEmbedding = refinementEmbedding; self.absoluteTime = absoluteTime
        self.objectLayout = objectLayout
        self.objectPresence = objectPresence
        self.objectSilhouette = objectSilhouette
        self.objectSubframes = objectSubframes
    }

    public var headDim: Int { width / heads }
    public var tokenWidth: Int { patch[0] * patch[1] * latentChannels }
    public var ropePairs: RoPEPairs { RoPEPairs(headDim: headDim) }

    /// Scope of block `i`'s self-attention.
    public func scope(ofBlock i: Int) -> AttentionScope {
        attention == .full ? .full : (i % 2 == 0 ? .spatial : .temporal)
    }

    /// d256, 8 blocks, 4 heads of 64 (RoPE 16/24/24), 2 text layers: 13.6M parameters (11.6M in
    /// the DiT blocks, about LESSONS' largest model); see docs/architecture.md for its throughput.
    public static let small = DiTConfig(width: 256, depth: 8, heads: 4)
    /// d192, 6 blocks, 3 heads of 64: 6.1M parameters, about twice the small model's samples/s;
    /// for curriculum and motion experiments.
    public static let compact = DiTConfig(width: 192, depth: 6, heads: 3)
    /// For tests: d24, 2 blocks, 2 heads of 12, one text layer.
    public static let tiny = DiTConfig(width: 24, depth: 2, heads: 2, mlpRatio: 2, latentChannels: 4, textLayers: 1, maxTextLength: 8)

    public static func preset(named name: String) -> DiTConfig? {
        ["small": small, "compact": compact, "tiny": tiny][name]
    }

    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }

    /// What is wrong with the object-layout parts, which build on each other (their features are
    /// appended in this order: layout, presence, silhouette, in-between silhouettes), or nil.
    public var layoutPartsProblem: String? {
        if objectPresence && !objectLayout { return "object presence needs the object layout" }
        if objectSilhouette && !objectPresence { return "object silhouettes need object presence (and the object layout)" }
        if objectSubframes && !objectSilhouette { return "in-between silhouettes need object silhouettes (and presence and the layout)" }
        return nil
    }

    public func validate() -> String? {
        if width % heads != 0 { return "width \(width) does not split into \(heads) heads" }
        if headDim % 2 != 0 || headDim < 6 { return "head dimension \(headDim) must be even and at least 6 for RoPE" }
        if patch.count != 2 || patch.contains(where: { $0 < 1 }) { return "patch must be [ph, pw], got \(patch)" }
        if let problem = layoutPartsProblem { return problem }
        if vocabularySize < 3 { return "vocabulary size \(vocabularySize) is too small (set it from the tokenizer)" }
        return nil
    }
}

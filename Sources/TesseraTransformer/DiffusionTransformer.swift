// The diffusion transformer: video tokens + noise level + caption -> velocity (rectified flow).
//
//   tokens x: (B, T, P)  normalised, padded, patchified latent (LatentPatches), T = F * rows * cols
//   t: (B) noise level in [0, 1];  ids: (B, L) caption token ids (TextTokenizer)
//   h = x_embedder(x) [+ pos_embedder(frame position)] [+ time_embedder(frame time)]  (B, T, D)
//       (AbsolutePosition.swift) [+ layout_embedder(objects: the scene's object boxes, ObjectLayout.swift)]
//       [+ context_embedding on the tokens of the first `contextFrames` frames, which hold clean latents]
//       [+ refinement_embedding on every token of the samples marked `refining` (a render's refinement)]
//   text = text(ids)                                    (B, L, D)
//   c = t_embedder(t) + text_pool(mean_L text)          (B, D);  s = SiLU(c)
//   h = blocks[i](h, s, text)   (RoPE self-attention, cross-attention, MLP; adaLN-zero)
//   v = final_layer(h, s)                               (B, T, P)
// Parameter names are the checkpoint keys ("blocks.3.attn.qkv.weight", "text.token_embedding").
import TesseraEngine

public final class DiffusionTransformer<T: TensorScalar> {
    public let config: DiTConfig
    public let store: ParameterStore<T>
    public let inputEmbedding: Linear<T>        // x_embedder: (D, P)
    public let timestep: TimestepEmbedder<T>    // t_embedder
    public let text: TextEncoder<T>             // text
    public let textPool: Linear<T>              // text_pool: (D, D)
    public let blocks: [DiTBlock<T>]
    public let final: FinalLayer<T>             // final_layer
    public let positionEmbedding: Linear<T>?    // pos_embedder: (D, AbsolutePosition.featureCount), zero at init
    public let contextEmbedding: Parameter?     // context_embedding: (D), zero at init
    public let refinementEmbedding: Parameter?  // refinement_embedding: (D), zero at init
    public let timeEmbedding: Linear<T>?        // time_embedder: (D, AbsolutePosition.timeFeatureCount), zero at init
    public let layoutEmbedding: Linear<T>?      // layout_embedder: (D, objectFeatureCount), zero at init
    private var layoutSamples = 0   // rows of the last forward's object features (1: one plan shared by every sample)
    private var contextTokens = 0   // per sample, of the last forward
    private var refiningSamples: [Bool] = []   // of the last forward
    private let conditioningAct = SiLU<T>()
    private var ropeCache: (layout: TokenLayout, table: RoPETable<T>)?
    private var positionCache: (layout: TokenLayout, features: Tensor<T>)?
    private var timeCache: (layout: TokenLayout, features: Tensor<T>)?
    private var textLength = 0

    /// `initializesValues: false` for a model whose every parameter is then loaded (zeros until then).
    public init(config: DiTConfig, seed: UInt64 = 0, initializesValues: Bool = true) {
        if let problem = config.validate() { preconditionFailure("DiTConfig: \(problem)") }
        self.config = config
        let store = ParameterStore<T>(seed: seed, initializesValues: initializesValues)
        self.store = store
        let d = config.width
        inputEmbedding = Linear(store, "x_embedder", in: config.tokenWidth, out: d)
        timestep = TimestepEmbedder(store, "t_embedder", width: d)
        text = TextEncoder(store, "text", vocabularySize: config.vocabularySize, maxLength: config.maxTextLength, width: d,
                           heads: config.heads, layers: config.textLayers, mlpRatio: config.mlpRatio)
        textPool = Linear(store, "text_pool", in: d, out: d)
        blocks = (0..<config.depth).map {
            DiTBlock(store, "blocks.\($0)", width: d, heads: config.heads, mlpRatio: config.mlpRatio, scope: config.scope(ofBlock: $0))
        }
        final = FinalLayer(store, "final_layer", width: d, out: config.tokenWidth)
        // Registered last and zero-initialised: an older model upgraded to it computes the same function.
        positionEmbedding = config.absolutePosition
            ? Linear(store, "pos_embedder", in: AbsolutePosition.featureCount, out: d, initializer: .zeros) : nil
        contextEmbedding = config.frameContext ? store.add("context_embedding", shape: [d], initializer: .zeros) : nil
        refinementEmbedding = config.refinementEmbedding ? store.add("refinement_embedding", shape: [d], initializer: .zeros) : nil
        timeEmbedding = config.absoluteTime
            ? Linear(store, "time_embedder", in: AbsolutePosition.timeFeatureCount, out: d, initializer: .zeros) : nil
        layoutEmbedding = config.objectLayout
            ? Linear(store, "layout_embedder", in: ObjectLayout.width(for: config), out: d, initializer: .zeros) : nil
    }

    /// Object layout features per token this model takes (ObjectLayout.width).
    public var objectFeatureCount: Int { ObjectLayout.width(for: config) }

    /// A model with `config` (which may add parameters: `absolutePosition`, or more blocks, which
    /// adaLN-zero starts as the identity) holding this
    /// model's values for every parameter the two share by name and shape; new ones keep their init.
    /// A matrix that gained input columns (`layout_embedder` with presence or silhouettes) keeps its old columns,
    /// and the new ones start at zero (they must be zero-initialised), so the function is the same.
    public func upgraded(to config: DiTConfig) -> DiffusionTransformer<T> {
        let next = DiffusionTransformer<T>(config: config)
        for e in next.store.entries {
            guard let old = store.entry(named: e.name) else { continue }
            if old.shape == e.shape {
                (next.store.values + e.offset).update(from: store.values + old.offset, count: e.count)
            } else if old.shape.count == 2, e.shape.count == 2, old.shape[0] == e.shape[0], old.shape[1] < e.shape[1] {
                let (rows, was, now) = (e.shape[0], old.shape[1], e.shape[1])
                for r in 0..<rows { (next.store.values + e.offset + r * now).update(from: store.values + old.offset + r * was, count: was) }
            }
        }
        return next
    }

    public var parameterCount: Int { store.count }

    func rope(for layout: TokenLayout) -> RoPETable<T> {
        if let c = ropeCache, c.layout == layout { return c.table }
        let coordinates = RoPETable<T>.gridCoordinates(frames: layout.frames, rows: layout.rows, columns: layout.columns,
                                                       patch: (config.patch[0], config.patch[1]), latentHeight: layout.latentHeight)
        let table = RoPETable<T>(coordinates: coordinates, pairs: config.ropePairs)
        ropeCache = (layout, table)
        return table
    }

    func positionFeatures(for layout: TokenLayout) -> Tensor<T> {
        if let c = positionCache, c.layout == layout { return c.features }
        let features: Tensor<T> = AbsolutePosition.features(layout: layout, patch: (config.patch[0], config.patch[1]))
        positionCache = (layout, features)
        return features
    }

    func timeFeatures(for layout: TokenLayout) -> Tensor<T> {
        if let c = timeCache, c.layout == layout { return c.features }
        let features: Tensor<T> = AbsolutePosition.timeFeatures(layout: layout)
        timeCache = (layout, features)
        return features
    }

    /// The absolute position and time embeddings of a grid, (1, T, D), or nil for a model with neither.
    private func gridEmbedding(for layout: TokenLayout) -> Tensor<T>? {
        var total: Tensor<T>?
        if let positionEmbedding { total = positionEmbedding.forward(positionFeatures(for: layout)) }
        if let timeEmbedding {
            let time = timeEmbedding.forward(timeFeatures(for: layout))
            if total == nil { total = time } else { accumulate(&total!, time) }
        }
        return total
    }

    /// Predicted velocity (B, T, P). Caches what `backward` needs. The first `contextFrames` latent
    /// frames of every sample hold clean latents given as context (models with `frameContext`); their
    /// output is not a prediction and is ignored by the loss and the sampler. `refining` (empty, or
    /// one per sample): samples whose x_t starts from an upscaled preview (models with
    /// `refinementEmbedding`). `objects`: the object layout (ObjectLayout.features), (B or 1, T,
    /// featureCount), for models with `objectLayout`; nil is the same as all zeros (no plan).
    /// `encoded`: `encodeText(ids)` made before, reused (sampling: the caption is the same at every step); unrecorded calls only.
    public func forward(_ x: Tensor<T>, layout: TokenLayout, t: [Double], text ids: [[Int]], contextFrames: Int = 0,
                        refining: [Bool] = [], objects: Tensor<T>? = nil, encoded: EncodedText<T>? = nil) -> Tensor<T> {
        precondition(encoded.map { $0.ids == ids && !Autograd.isRecording } ?? true,
                     "encoded text is reused only for its own captions and without recording")
        let (b, n, p) = x.shape3
        precondition(n == layout.tokens && p == config.tokenWidth && t.count == b && ids.count == b,
                     "DiT input \(x.shape) does not match layout \(layout), \(t.count) times, \(ids.count) captions")
        precondition(contextFrames == 0 || (contextEmbedding != nil && contextFrames < layout.frames),
                     "\(contextFrames) context frames for \(layout.frames) frames (model frame context: \(config.frameContext))")
        precondition(refining.isEmpty || (refining.count == b && (refinementEmbedding != nil || !refining.contains(true))),
                     "refinement marks \(refining) for \(b) samples (model refinement embedding: \(config.refinementEmbedding))")
        precondition(objects == nil || (layoutEmbedding != nil && (objects!.shape == [b, n, objectFeatureCount]
                                                                      || objects!.shape == [1, n, objectFeatureCount])),
                     "object layout \(objects!.shape) for \(b) samples of \(n) tokens (model object layout: \(config.objectLayout))")
        contextTokens = contextFrames * layout.tokensPerFrame
        refiningSamples = refining
        let d = config.width
        let context = encoded?.context ?? text.forward(ids)   // (B, L, D)
        textLength = context.shape[1]
        let pooled = Tensor<T>(shape: [b, d], values: meanOverTokens(context))
        var c = timestep.forward(t)
        accumulate(&c, textPool.forward(pooled))
        let s = conditioningAct.forward(c)   // (B, D)
        let rope = rope(for: layout)
        var h = inputEmbedding.forward(x)
        if let position = gridEmbedding(for: layout) { addRows(position, to: &h) }   // (1, T, D)
        if let layoutEmbedding {
            // No plan is an all-zero plan (as trained for dropped layouts): the layer's bias still applies.
            let objects = objects ?? Tensor<T>(zeros: [1, n, objectFeatureCount])
            layoutSamples = objects.shape[0]
            addRows(layoutEmbedding.forward(objects), to: &h)   // (B or 1, T, D)
        }
        if let contextEmbedding, contextTokens > 0 {
            addEmbedding(contextEmbedding, to: &h, samples: Array(0..<b), tokens: 0..<contextTokens)
        }
        if let refinementEmbedding, refining.contains(true) {
            addEmbedding(refinementEmbedding, to: &h, samples: refining.indices.filter { refining[$0] }, tokens: 0..<n)
        }
        for (i, block) in blocks.enumerated() {
            h = block.forward(h, conditioning: s, text: context, layout: layout, rope: rope, textKeysValues: encoded?.keysValues[i])
        }
        return final.forward(h, conditioning: s)
    }

    /// Returns d(loss)/d(x); adds every parameter gradient into the store.
    public func backward(_ dv: Tensor<T>) -> Tensor<T> {
        var (dh, ds) = final.backward(dv)
        var dContext: Tensor<T>?
        for block in blocks.reversed() {
            let g = block.backward(dh)
            dh = g.dx
            accumulate(&ds, g.dConditioning)
            if dContext == nil { dContext = g.dText } else { accumulate(&dContext!, g.dText) }
        }
        let dx = inputEmbedding.backward(dh)
        // The gradient of a (1, T, D) row added to every sample: dh summed over the samples, once.
        let sharesLayout = layoutEmbedding != nil && layoutSamples == 1 && dh.shape[0] > 1
        let dShared = positionEmbedding != nil || timeEmbedding != nil || sharesLayout ? sumOverSamples(dh) : nil
        if let positionEmbedding { _ = positionEmbedding.backward(dShared!) }
        if let timeEmbedding { _ = timeEmbedding.backward(dShared!) }
        if let layoutEmbedding { _ = layoutEmbedding.backward(sharesLayout ? dShared! : dh) }
        if let contextEmbedding, contextTokens > 0 {
            accumulateEmbeddingGradient(contextEmbedding, from: dh, samples: Array(0..<dh.shape[0]), tokens: 0..<contextTokens)
        }
        if let refinementEmbedding, refiningSamples.contains(true) {
            accumulateEmbeddingGradient(refinementEmbedding, from: dh, samples: refiningSamples.indices.filter { refiningSamples[$0] },
                                        tokens: 0..<dh.shape[1])
        }
        let dc = conditioningAct.backward(ds)
        timestep.backward(dc)
        let dPooled = textPool.backward(dc)   // (B, D)
        let (b, d) = dPooled.shape2
        let l = textLength
        var dText = dContext ?? Tensor<T>(zeros: [b, l, d])
        dText.withUnsafeMutablePointer { g in dPooled.withUnsafePointer { dp in
            for i in 0..<b { for j in 0..<l { Elementwise.accumulate(dp + i * d, into: g + (i * l + j) * d, count: d, alpha: 1 / T(l)) } }
        }}
        text.backward(dText)
        return dx
    }

    /// Adds `rows` (1 or B, T, D) to h (B, T, D); a single row is added to every sample.
    private func addRows(_ rows: Tensor<T>, to h: inout Tensor<T>) {
        let (b, n, d) = h.shape3
        let shared = rows.shape[0] == 1
        h.withUnsafeMutablePointer { hp in rows.withUnsafePointer { rp in
            for i in 0..<b { Elementwise.accumulate(rp + (shared ? 0 : i) * n * d, into: hp + i * n * d, count: n * d, alpha: 1) }
        }}
    }

    /// dh (B, T, D) summed over its samples: (1, T, D), the gradient of a row `addRows` shared.
    private func sumOverSamples(_ dh: Tensor<T>) -> Tensor<T> {
        let (b, n, d) = dh.shape3
        var sum = Tensor<T>(zeros: [1, n, d])
        sum.withUnsafeMutablePointer { g in dh.withUnsafePointer { dp in
            for i in 0..<b { Elementwise.accumulate(dp + i * n * d, into: g, count: n * d, alpha: 1) }
        }}
        return sum
    }

    /// Adds a learned (D) embedding to tokens `tokens` of each of `samples` in h (B, T, D): the
    /// context and refinement marks.
    private func addEmbedding(_ embedding: Parameter, to h: inout Tensor<T>, samples: [Int], tokens: Range<Int>) {
        let (_, n, d) = h.shape3
        let e = store.value(embedding)
        h.withUnsafeMutablePointer { hp in
            for i in samples { for j in tokens { Elementwise.accumulate(e, into: hp + (i * n + j) * d, count: d, alpha: 1) } }
        }
    }

    /// The gradient of `addEmbedding`: the sum of dh over the same tokens, added to the embedding's gradient.
    private func accumulateEmbeddingGradient(_ embedding: Parameter, from dh: Tensor<T>, samples: [Int], tokens: Range<Int>) {
        let (_, n, d) = dh.shape3
        let g = store.grad(embedding)
        dh.withUnsafePointer { dp in
            for i in samples { for j in tokens { Elementwise.accumulate(dp + (i * n + j) * d, into: g, count: d, alpha: 1) } }
        }
    }

    /// Velocity, as a call (sampler closures read better); same as `forward`, whose caches are simply
    /// replaced by the next call.
    public func callAsFunction(_ x: Tensor<T>, layout: TokenLayout, t: [Double], text ids: [[Int]], contextFrames: Int = 0,
                               refining: [Bool] = [], objects: Tensor<T>? = nil, encoded: EncodedText<T>? = nil) -> Tensor<T> {
        forward(x, layout: layout, t: t, text: ids, contextFrames: contextFrames, refining: refining, objects: objects, encoded: encoded)
    }

    /// The caption side of a forward, which a sampling run's steps share: the text tokens and every
    /// block's cross-attention keys and values (a large share of a call on the few dozen tokens of a
    /// one-frame preview). Made without recording.
    public func encodeText(_ ids: [[Int]]) -> EncodedText<T> {
        Autograd.withoutRecording {
            let context = text.forward(ids)
            return EncodedText(ids: ids, context: context, keysValues: blocks.map { $0.cross.keysValues(context) })
        }
    }

    /// Replaces the activations cached by the last call (about 150 MB per block at 7488 tokens) with
    /// those of a one-token call, so they do not sit in memory while the autoencoder decodes.
    public func releaseActivations() {
        let layout = TokenLayout(frames: 1, rows: 1, columns: 1, latentHeight: config.patch[0])
        _ = forward(Tensor<T>(zeros: [1, 1, config.tokenWidth]), layout: layout, t: [0], text: [[TextTokenizer.null] + [Int](repeating: TextTokenizer.pad, count: config.maxTextLength - 1)])
    }

    func meanOverTokens(_ x: Tensor<T>) -> [T] {
        let (b, l, d) = x.shape3
        var out = [T](repeating: 0, count: b * d)
        x.withUnsafePointer { p in
            for i in 0..<b { for j in 0..<l { for k in 0..<d { out[i * d + k] += p[(i * l + j) * d + k] } } }
        }
        return out.map { $0 / T(l) }
    }
}

/// `DiffusionTransformer.encodeText`: what a forward computes from the captions alone.
public struct EncodedText<T: TensorScalar> {
    public let ids: [[Int]]
    let context: Tensor<T>
    let keysValues: [Tensor<T>]
}

// Conditioning pieces of the DiT: the timestep embedder, the text encoder and the final layer.
//   t: (B) noise levels in [0, 1];  ids: (B, L) token ids;  D width;  P token width (ph pw C)
import TesseraEngine

/// Sinusoidal embedding of 1000 t (frequencies 1 ... 1/10000, cos then sin) -> Linear -> SiLU -> Linear.
public final class TimestepEmbedder<T: TensorScalar> {
    public static var frequencyDim: Int { 256 }
    public let fc1: Linear<T>, act = SiLU<T>(), fc2: Linear<T>

    public init(_ store: ParameterStore<T>, _ name: String, width: Int) {
        fc1 = Linear(store, name + ".mlp.0", in: TimestepEmbedder.frequencyDim, out: width)
        fc2 = Linear(store, name + ".mlp.2", in: width, out: width)
    }

    public static func sinusoidal(_ t: [Double], dim: Int = frequencyDim) -> Tensor<T> {
        let half = dim / 2
        var values = [T]()
        values.reserveCapacity(t.count * dim)
        for time in t {
            let args = (0..<half).map { 1000 * time * Double.exp(-Double.log(10000) * Double($0) / Double(half)) }
            values += args.map { T(Double.cos($0)) } + args.map { T(Double.sin($0)) }
        }
        return Tensor(shape: [t.count, dim], values: values)
    }

    /// (B) -> (B, D).
    public func forward(_ t: [Double]) -> Tensor<T> { fc2.forward(act.forward(fc1.forward(TimestepEmbedder.sinusoidal(t)))) }
    public func backward(_ dy: Tensor<T>) { _ = fc1.backward(act.backward(fc2.backward(dy))) }
}

/// Token + learned position embeddings, pre-norm transformer blocks (no mask: [PAD] is a learned
/// token like any other), final layer norm. Trained with the DiT.
public final class TextEncoder<T: TensorScalar> {
    public let store: ParameterStore<T>
    public let tokenEmbedding: Parameter      // (V, D)
    public let positionEmbedding: Parameter   // (Lmax, D)
    public let blocks: [TransformerBlock<T>]
    public let norm: LayerNorm<T>
    public let width: Int, vocabularySize: Int, maxLength: Int
    private var ids: [Int] = []

    public init(_ store: ParameterStore<T>, _ name: String, vocabularySize: Int, maxLength: Int, width: Int, heads: Int,
                layers: Int, mlpRatio: Int) {
        self.store = store
        self.width = width; self.vocabularySize = vocabularySize; self.maxLength = maxLength
        tokenEmbedding = store.add(name + ".token_embedding", shape: [vocabularySize, width], initializer: .normal(std: 0.02))
        positionEmbedding = store.add(name + ".position_embedding", shape: [maxLength, width], initializer: .normal(std: 0.02))
        blocks = (0..<layers).map { TransformerBlock(store, name + ".blocks.\($0)", width: width, heads: heads, mlpRatio: mlpRatio) }
        norm = LayerNorm(store, name + ".norm", features: width)
    }

    /// ids: B rows of L (<= maxLength) -> (B, L, D).
    public func forward(_ rows: [[Int]]) -> Tensor<T> {
        let b = rows.count, l = rows.first?.count ?? 0
        precondition(l <= maxLength && rows.allSatisfy { $0.count == l }, "text rows must share a length <= \(maxLength)")
        ids = rows.flatMap { $0 }
        var h = Tensor<T>(uninitialized: [b, l, width])
        let d = width, pos = store.value(positionEmbedding)
        h.withUnsafeMutablePointer { hp in
            EmbeddingOp.forward(table: store.value(tokenEmbedding), ids: ids, out: hp, vocabulary: vocabularySize, d: d)
            for r in 0..<(b * l) { Elementwise.accumulate(pos + (r % l) * d, into: hp + r * d, count: d) }
        }
        for block in blocks { h = block.forward(h) }
        return norm.forward(h)
    }

    public func backward(_ dy: Tensor<T>) {
        var g = norm.backward(dy)
        for block in blocks.reversed() { g = block.backward(g) }
        let l = dy.shape[1], d = width, dPos = store.grad(positionEmbedding)
        g.withUnsafePointer { gp in
            EmbeddingOp.backward(dout: gp, ids: ids, dTable: store.grad(tokenEmbedding), d: d)
            for r in 0..<ids.count { Elementwise.accumulate(gp + r * d, into: dPos + (r % l) * d, count: d) }
        }
    }
}

/// adaLN (shift, scale from SiLU(c)), then Linear to the token width; both zero-initialised.
public final class FinalLayer<T: TensorScalar> {
    public let norm: LayerNorm<T>, adaLN: Linear<T>, linear: Linear<T>
    private var cache: (m: Tensor<T>, h: Tensor<T>)?

    public init(_ store: ParameterStore<T>, _ name: String, width: Int, out: Int) {
        norm = LayerNorm(store, name + ".norm", features: width, affine: false)
        adaLN = Linear(store, name + ".adaLN_modulation", in: width, out: 2 * width, initializer: .zeros)
        linear = Linear(store, name + ".linear", in: width, out: out, initializer: .zeros)
    }

    /// x: (B, T, D), conditioning SiLU(c): (B, D) -> (B, T, P).
    public func forward(_ x: Tensor<T>, conditioning: Tensor<T>) -> Tensor<T> {
        let m = adaLN.forward(conditioning)
        let h = norm.forward(x)
        cache = Autograd.keep((m, h))
        return linear.forward(Modulation.modulate(h, m, shift: 0, scale: 1))
    }

    public func backward(_ dy: Tensor<T>) -> (dx: Tensor<T>, dConditioning: Tensor<T>) {
        guard let c = cache else { preconditionFailure("FinalLayer.backward before forward") }
        var dm = Tensor<T>(zeros: c.m.shape)
        let dh = Modulation.modulateBackward(linear.backward(dy), x: c.h, c.m, shift: 0, scale: 1, dm: &dm)
        return (norm.backward(dh), adaLN.backward(dm))
    }
}

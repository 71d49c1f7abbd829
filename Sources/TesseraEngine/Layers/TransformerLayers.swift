// Multi-head self-attention layer: one packed QKV projection, blockwise attention, output projection.
//   x: (B, T, D) -> qkv (B, T, 3D) -> o (B, T, D) -> y (B, T, D);  D = heads * headDim

public final class MultiHeadSelfAttention<T: TensorScalar>: Layer {
    public let qkv: Linear<T>, out: Linear<T>
    public let heads: Int, width: Int
    private var cache: (qkv: Tensor<T>, o: Tensor<T>, lse: Tensor<T>, batch: Int, tokens: Int)?

    public init(_ store: ParameterStore<T>, _ name: String, width: Int, heads: Int) {
        precondition(width % heads == 0, "width \(width) does not split into \(heads) heads")
        self.width = width
        self.heads = heads
        qkv = Linear(store, name + ".qkv", in: width, out: 3 * width)
        out = Linear(store, name + ".proj", in: width, out: width)
    }

    func shape(batch: Int, tokens: Int) -> AttentionShape {
        AttentionShape(batch: batch, heads: heads, queries: tokens, keys: tokens, headDim: width / heads,
                       ldq: 3 * width, ldk: 3 * width, ldv: 3 * width, ldo: width)
    }

    public func forward(_ x: Tensor<T>) -> Tensor<T> {
        let (b, t, _) = x.shape3
        let packed = qkv.forward(x)   // (B, T, 3D)
        var o = Tensor<T>(uninitialized: [b, t, width])
        var lse = Tensor<T>(uninitialized: [b, heads, t])
        let s = shape(batch: b, tokens: t)
        o.withUnsafeMutablePointer { op in lse.withUnsafeMutablePointer { lp in
            let p = packed.storage.pointer
            AttentionOp.forward(q: p, k: p + width, v: p + 2 * width, o: op, lse: lp, shape: s)
        }}
        cache = Autograd.keep((packed, o, lse, b, t))
        return out.forward(o)
    }

    public func backward(_ dy: Tensor<T>) -> Tensor<T> {
        guard let c = cache else { preconditionFailure("attention backward before forward") }
        let dO = out.backward(dy)
        var dPacked = Tensor<T>(zeros: c.qkv.shape)
        let s = shape(batch: c.batch, tokens: c.tokens)
        dPacked.withUnsafeMutablePointer { dp in
            let p = c.qkv.storage.pointer
            AttentionOp.backward(dout: dO.storage.pointer, q: p, k: p + width, v: p + 2 * width, o: c.o.storage.pointer,
                                 lse: c.lse.storage.pointer, dq: dp, dk: dp + width, dv: dp + 2 * width, shape: s)
        }
        return qkv.backward(dPacked)
    }
}

/// Two-layer perceptron with GELU: D -> hidden -> D.
public final class MLP<T: TensorScalar>: Layer {
    public let fc1: Linear<T>, act = GELU<T>(), fc2: Linear<T>
    public init(_ store: ParameterStore<T>, _ name: String, width: Int, hidden: Int) {
        fc1 = Linear(store, name + ".fc1", in: width, out: hidden)
        fc2 = Linear(store, name + ".fc2", in: hidden, out: width)
    }
    public func forward(_ x: Tensor<T>) -> Tensor<T> { fc2.forward(act.forward(fc1.forward(x))) }
    public func backward(_ dy: Tensor<T>) -> Tensor<T> { fc1.backward(act.backward(fc2.backward(dy))) }
}

/// Pre-norm transformer block: x + attn(LN(x)), then + mlp(LN(.)).
public final class TransformerBlock<T: TensorScalar>: Layer {
    public let norm1: LayerNorm<T>, attention: MultiHeadSelfAttention<T>
    public let norm2: LayerNorm<T>, mlp: MLP<T>

    public init(_ store: ParameterStore<T>, _ name: String, width: Int, heads: Int, mlpRatio: Int = 4) {
        norm1 = LayerNorm(store, name + ".norm1", features: width)
        attention = MultiHeadSelfAttention(store, name + ".attn", width: width, heads: heads)
        norm2 = LayerNorm(store, name + ".norm2", features: width)
        mlp = MLP(store, name + ".mlp", width: width, hidden: mlpRatio * width)
    }

    public func forward(_ x: Tensor<T>) -> Tensor<T> {
        let h = x + attention.forward(norm1.forward(x))
        return h + mlp.forward(norm2.forward(h))
    }

    public func backward(_ dy: Tensor<T>) -> Tensor<T> {
        let dh = dy + norm2.backward(mlp.backward(dy))
        return dh + norm1.backward(attention.backward(dh))
    }
}

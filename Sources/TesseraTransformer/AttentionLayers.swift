// The DiT's attention layers and small helpers.
//   B batch, T video tokens (frame-major: F frames x S = rows*columns per frame), L text tokens,
//   D width, H heads, Dh = D / H.
//
// RoPESelfAttention: qkv (B, T, 3D) -> rotate q, k by RoPE -> attention -> proj. Its scope is
//   .full      one attention over all T tokens of a sample,
//   .spatial   attention within each frame (batch B*F, S tokens; contiguous, no copy),
//   .temporal  attention across frames at each position (qkv permuted to (B, S, F, 3D)).
// CrossAttention: queries from video tokens, keys/values from text tokens, no RoPE.
import TesseraEngine

public enum AttentionScope: String, Codable, Sendable { case full, spatial, temporal }

/// Token grid of one batch: frames x rows x columns, plus the unpadded latent height for RoPE.
public struct TokenLayout: Hashable, Sendable {
    public var frames: Int, rows: Int, columns: Int, latentHeight: Int
    /// Unpadded latent width; nil means the grid has no padding on the right (columns * pw).
    public var latentWidth: Int?
    public init(frames: Int, rows: Int, columns: Int, latentHeight: Int, latentWidth: Int? = nil) {
        self.frames = frames; self.rows = rows; self.columns = columns; self.latentHeight = latentHeight
        self.latentWidth = latentWidth
    }
    public var tokens: Int { frames * rows * columns }
    public var tokensPerFrame: Int { rows * columns }
}

extension LatentPatches {
    public var layout: TokenLayout { TokenLayout(frames: frames, rows: rows, columns: columns, latentHeight: height, latentWidth: width) }
}

/// SiLU as a layer.
public final class SiLU<T: TensorScalar>: Layer {
    private var input: Tensor<T>?
    public init() {}
    public func forward(_ x: Tensor<T>) -> Tensor<T> {
        input = Autograd.keep(x)
        var y = Tensor<T>(uninitialized: x.shape)
        y.withUnsafeMutablePointer { yp in x.withUnsafePointer { Elementwise.silu($0, yp, count: x.count) } }
        return y
    }
    public func backward(_ dy: Tensor<T>) -> Tensor<T> {
        guard let x = input else { preconditionFailure("SiLU.backward before forward") }
        var dx = Tensor<T>(zeros: x.shape)
        dx.withUnsafeMutablePointer { d in x.withUnsafePointer { xp in dy.withUnsafePointer { Elementwise.siluBackward(dout: $0, x: xp, dx: d, count: x.count) } } }
        return dx
    }
}

/// a += b in place (equal shapes).
@inline(__always)
func accumulate<T: TensorScalar>(_ a: inout Tensor<T>, _ b: Tensor<T>) {
    precondition(a.shape == b.shape, "accumulating \(b.shape) into \(a.shape)")
    a.withUnsafeMutablePointer { ap in b.withUnsafePointer { Elementwise.accumulate($0, into: ap, count: b.count) } }
}

/// Swaps axes 1 and 2 of a rank-4 tensor: (A, B, C, D) -> (A, C, B, D).
func swapMiddle<T: TensorScalar>(_ x: Tensor<T>) -> Tensor<T> {
    let s = x.shape
    var out = Tensor<T>(uninitialized: [s[0], s[2], s[1], s[3]])
    out.withUnsafeMutablePointer { o in x.withUnsafePointer { PermuteOp.forward(x: $0, shape: s, axes: [0, 2, 1, 3], out: o) } }
    return out
}

public final class RoPESelfAttention<T: TensorScalar> {
    public let qkv: Linear<T>, proj: Linear<T>
    public let heads: Int, width: Int, scope: AttentionScope
    private var cache: (packed: Tensor<T>, o: Tensor<T>, lse: Tensor<T>, shape: AttentionShape, layout: TokenLayout, rope: RoPETable<T>)?

    public init(_ store: ParameterStore<T>, _ name: String, width: Int, heads: Int, scope: AttentionScope) {
        precondition(width % heads == 0, "width \(width) does not split into \(heads) heads")
        self.width = width; self.heads = heads; self.scope = scope
        qkv = Linear(store, name + ".qkv", in: width, out: 3 * width)
        proj = Linear(store, name + ".proj", in: width, out: width)
    }

    func attentionShape(batch b: Int, layout l: TokenLayout) -> AttentionShape {
        let (groups, n): (Int, Int)
        switch scope {
        case .full: (groups, n) = (b, l.tokens)
        case .spatial: (groups, n) = (b * l.frames, l.tokensPerFrame)
        case .temporal: (groups, n) = (b * l.tokensPerFrame, l.frames)
        }
        return AttentionShape(batch: groups, heads: heads, queries: n, keys: n, headDim: width / heads,
                              ldq: 3 * width, ldk: 3 * width, ldv: 3 * width, ldo: width)
    }

    /// x: (B, T, D) -> (B, T, D).
    public func forward(_ x: Tensor<T>, layout: TokenLayout, rope: RoPETable<T>) -> Tensor<T> {
        let (b, t, _) = x.shape3
        precondition(t == layout.tokens && rope.tokens == t, "attention got \(t) tokens for layout \(layout)")
        var packed = qkv.forward(x)   // (B, T, 3D)
        let dh = width / heads, w = width, h = heads
        packed.withUnsafeMutablePointer { p in
            rope.cos.withUnsafeBufferPointer { c in rope.sin.withUnsafeBufferPointer { s in
                RoPEOp.rotate(p, ld: 3 * w, batch: b, heads: h, headDim: dh, cos: c.baseAddress!, sin: s.baseAddress!, tokens: t)
                RoPEOp.rotate(p + w, ld: 3 * w, batch: b, heads: h, headDim: dh, cos: c.baseAddress!, sin: s.baseAddress!, tokens: t)
            }}
        }
        if scope == .temporal {
            packed = swapMiddle(packed.reshaped([b, layout.frames, layout.tokensPerFrame, 3 * w])).reshaped([b, t, 3 * w])   // (B, S, F, 3D)
        }
        let shape = attentionShape(batch: b, layout: layout)
        var o = Tensor<T>(uninitialized: [b, t, w])
        var lse = Tensor<T>(uninitialized: [shape.batch, h, shape.queries])
        o.withUnsafeMutablePointer { op in lse.withUnsafeMutablePointer { lp in packed.withUnsafePointer { p in
            AttentionOp.forward(q: p, k: p + w, v: p + 2 * w, o: op, lse: lp, shape: shape)
        }}}
        cache = Autograd.keep((packed, o, lse, shape, layout, rope))
        var merged = o
        if scope == .temporal {
            merged = swapMiddle(o.reshaped([b, layout.tokensPerFrame, layout.frames, w])).reshaped([b, t, w])   // (B, F, S, D)
        }
        return proj.forward(merged)
    }

    /// Returns dx; adds parameter gradients.
    public func backward(_ dy: Tensor<T>) -> Tensor<T> {
        guard let c = cache else { preconditionFailure("attention backward before forward") }
        let (b, t, _) = dy.shape3
        let w = width, l = c.layout
        var dO = proj.backward(dy)
        if scope == .temporal { dO = swapMiddle(dO.reshaped([b, l.frames, l.tokensPerFrame, w])).reshaped([b, t, w]) }
        var dPacked = Tensor<T>(zeros: c.packed.shape)
        dPacked.withUnsafeMutablePointer { dp in c.packed.withUnsafePointer { p in c.o.withUnsafePointer { op in
            c.lse.withUnsafePointer { lp in dO.withUnsafePointer { dop in
                AttentionOp.backward(dout: dop, q: p, k: p + w, v: p + 2 * w, o: op, lse: lp,
                                     dq: dp, dk: dp + w, dv: dp + 2 * w, shape: c.shape)
            }}
        }}}
        if scope == .temporal {
            dPacked = swapMiddle(dPacked.reshaped([b, l.tokensPerFrame, l.frames, 3 * w])).reshaped([b, t, 3 * w])
        }
        let dh = w / heads, h = heads
        dPacked.withUnsafeMutablePointer { p in
            c.rope.cos.withUnsafeBufferPointer { cs in c.rope.sin.withUnsafeBufferPointer { s in
                RoPEOp.rotate(p, ld: 3 * w, batch: b, heads: h, headDim: dh, cos: cs.baseAddress!, sin: s.baseAddress!, tokens: t, inverse: true)
                RoPEOp.rotate(p + w, ld: 3 * w, batch: b, heads: h, headDim: dh, cos: cs.baseAddress!, sin: s.baseAddress!, tokens: t, inverse: true)
            }}
        }
        return qkv.backward(dPacked)
    }
}

/// Video tokens attend to text tokens: q = x Wq, (k, v) = context Wkv, out = proj(attention).
/// The output projection starts at zero so a new block adds nothing (adaLN-zero's spirit).
public final class CrossAttention<T: TensorScalar> {
    public let q: Linear<T>, kv: Linear<T>, proj: Linear<T>
    public let heads: Int, width: Int
    private var cache: (q: Tensor<T>, kv: Tensor<T>, o: Tensor<T>, lse: Tensor<T>, shape: AttentionShape)?

    public init(_ store: ParameterStore<T>, _ name: String, width: Int, heads: Int) {
        self.width = width; self.heads = heads
        q = Linear(store, name + ".q", in: width, out: width)
        kv = Linear(store, name + ".kv", in: width, out: 2 * width)
        proj = Linear(store, name + ".proj", in: width, out: width, initializer: .zeros)
    }

    /// The keys and values of `context` (B, L, D): (B, L, 2D).
    public func keysValues(_ context: Tensor<T>) -> Tensor<T> { kv.forward(context) }

    /// x: (B, T, D), context: (B, L, D) -> (B, T, D). `keysValues`: `keysValues(context)` made
    /// before (sampling reuses them across steps: the caption does not change); unrecorded calls only.
    public func forward(_ x: Tensor<T>, context: Tensor<T>, keysValues given: Tensor<T>? = nil) -> Tensor<T> {
        precondition(given == nil || !Autograd.isRecording, "cross-attention keys and values are reused only without recording")
        let (b, t, _) = x.shape3
        let l = context.shape[1], w = width
        let queries = q.forward(x)         // (B, T, D)
        let keysValues = given ?? kv.forward(context)   // (B, L, 2D)
        precondition(keysValues.shape == [b, l, 2 * w], "cross-attention keys and values \(keysValues.shape) for \(b) samples of \(l) text tokens")
        let shape = AttentionShape(batch: b, heads: heads, queries: t, keys: l, headDim: w / heads,
                                   ldq: w, ldk: 2 * w, ldv: 2 * w, ldo: w)
        var o = Tensor<T>(uninitialized: [b, t, w]), lse = Tensor<T>(uninitialized: [b, heads, t])
        o.withUnsafeMutablePointer { op in lse.withUnsafeMutablePointer { lp in queries.withUnsafePointer { qp in keysValues.withUnsafePointer { kp in
            AttentionOp.forward(q: qp, k: kp, v: kp + w, o: op, lse: lp, shape: shape)
        }}}}
        cache = Autograd.keep((queries, keysValues, o, lse, shape))
        return proj.forward(o)
    }

    /// Returns (dx, dContext); adds parameter gradients.
    public func backward(_ dy: Tensor<T>) -> (dx: Tensor<T>, dContext: Tensor<T>) {
        guard let c = cache else { preconditionFailure("cross-attention backward before forward") }
        let w = width
        let dO = proj.backward(dy)
        var dq = Tensor<T>(zeros: c.q.shape), dkv = Tensor<T>(zeros: c.kv.shape)
        dq.withUnsafeMutablePointer { dqp in dkv.withUnsafeMutablePointer { dkp in
            c.q.withUnsafePointer { qp in c.kv.withUnsafePointer { kp in c.o.withUnsafePointer { op in c.lse.withUnsafePointer { lp in
                dO.withUnsafePointer { dop in
                    AttentionOp.backward(dout: dop, q: qp, k: kp, v: kp + w, o: op, lse: lp, dq: dqp, dk: dkp, dv: dkp + w, shape: c.shape)
                }
            }}}}
        }}
        return (q.backward(dq), kv.backward(dkv))
    }
}

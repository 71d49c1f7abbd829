// One DiT block (Peebles & Xie 2023, adaLN-zero) with cross-attention to text (PixArt-alpha):
//   m = adaLN(SiLU(c))                             (B, 6D): shift1 scale1 gate1 shift2 scale2 gate2
//   x1 = x  + gate1 * attn(modulate(LN(x), shift1, scale1))      self-attention with RoPE
//   x2 = x1 + cross(LN'(x1), text)                               cross-attention, no RoPE
//   y  = x2 + gate2 * mlp(modulate(LN(x2), shift2, scale2))      GELU MLP
// adaLN and the cross-attention output projection start at zero, so a new block is the identity.
//   x, y: (B, T, D); c: (B, D); text: (B, L, D)
import TesseraEngine

public final class DiTBlock<T: TensorScalar> {
    public let norm1: LayerNorm<T>, attn: RoPESelfAttention<T>
    public let normCross: LayerNorm<T>, cross: CrossAttention<T>
    public let norm2: LayerNorm<T>, mlp: MLP<T>
    public let adaLN: Linear<T>   // "adaLN_modulation": (6D, D), zero-initialised
    public let width: Int
    private var cache: (m: Tensor<T>, h1: Tensor<T>, o1: Tensor<T>, h2: Tensor<T>, o2: Tensor<T>)?

    public init(_ store: ParameterStore<T>, _ name: String, width: Int, heads: Int, mlpRatio: Int, scope: AttentionScope) {
        self.width = width
        norm1 = LayerNorm(store, name + ".norm1", features: width, affine: false)
        attn = RoPESelfAttention(store, name + ".attn", width: width, heads: heads, scope: scope)
        normCross = LayerNorm(store, name + ".norm_cross", features: width)
        cross = CrossAttention(store, name + ".cross", width: width, heads: heads)
        norm2 = LayerNorm(store, name + ".norm2", features: width, affine: false)
        mlp = MLP(store, name + ".mlp", width: width, hidden: mlpRatio * width)
        adaLN = Linear(store, name + ".adaLN_modulation", in: width, out: 6 * width, initializer: .zeros)
    }

    /// `conditioning` is SiLU(c), shared by all blocks.
    /// `textKeysValues`: `cross.keysValues(text)` made before (unrecorded calls only).
    public func forward(_ x: Tensor<T>, conditioning: Tensor<T>, text: Tensor<T>, layout: TokenLayout, rope: RoPETable<T>,
                        textKeysValues: Tensor<T>? = nil) -> Tensor<T> {
        let (b, t, d) = x.shape3
        let m = adaLN.forward(conditioning)   // (B, 6D)
        let h1 = norm1.forward(x)
        let a1 = Modulation.modulate(h1, m, shift: 0, scale: 1)
        let o1 = attn.forward(a1, layout: layout, rope: rope)
        var x1 = Modulation.gate(o1, m, gate: 2)
        accumulate(&x1, x)
        var x2 = cross.forward(normCross.forward(x1), context: text, keysValues: textKeysValues)
        accumulate(&x2, x1)
        let h2 = norm2.forward(x2)
        let o2 = mlp.forward(Modulation.modulate(h2, m, shift: 3, scale: 4))
        var y = Modulation.gate(o2, m, gate: 5)
        accumulate(&y, x2)
        cache = Autograd.keep((m, h1, o1, h2, o2))
        precondition(y.shape == [b, t, d])
        return y
    }

    /// Returns (dx, dConditioning, dText); adds parameter gradients.
    public func backward(_ dy: Tensor<T>) -> (dx: Tensor<T>, dConditioning: Tensor<T>, dText: Tensor<T>) {
        guard let c = cache else { preconditionFailure("DiTBlock.backward before forward") }
        var dm = Tensor<T>(zeros: c.m.shape)
        let do2 = Modulation.gateBackward(dy, x: c.o2, c.m, gate: 5, dm: &dm)
        let dh2 = Modulation.modulateBackward(mlp.backward(do2), x: c.h2, c.m, shift: 3, scale: 4, dm: &dm)
        var dx2 = norm2.backward(dh2)
        accumulate(&dx2, dy)
        let (dn, dText) = cross.backward(dx2)
        var dx1 = normCross.backward(dn)
        accumulate(&dx1, dx2)
        let do1 = Modulation.gateBackward(dx1, x: c.o1, c.m, gate: 2, dm: &dm)
        let dh1 = Modulation.modulateBackward(attn.backward(do1), x: c.h1, c.m, shift: 0, scale: 1, dm: &dm)
        var dx = norm1.backward(dh1)
        accumulate(&dx, dx1)
        return (dx, adaLN.backward(dm), dText)
    }
}

/// adaLN helpers over slices of a (B, kD) modulation tensor: slice i is columns [iD, (i+1)D).
enum Modulation {
    static func modulate<T: TensorScalar>(_ x: Tensor<T>, _ m: Tensor<T>, shift: Int, scale: Int) -> Tensor<T> {
        let (b, t, d) = x.shape3
        let ld = m.shape[1]
        var y = Tensor<T>(uninitialized: x.shape)
        y.withUnsafeMutablePointer { yp in x.withUnsafePointer { xp in m.withUnsafePointer { mp in
            ModulateOp.forward(x: xp, shift: mp + shift * d, scale: mp + scale * d, ld: ld, y: yp, batch: b, tokens: t, d: d)
        }}}
        return y
    }

    /// Returns dx; adds d(shift), d(scale) into dm.
    static func modulateBackward<T: TensorScalar>(_ dy: Tensor<T>, x: Tensor<T>, _ m: Tensor<T>, shift: Int, scale: Int, dm: inout Tensor<T>) -> Tensor<T> {
        let (b, t, d) = x.shape3
        let ld = m.shape[1]
        var dx = Tensor<T>(zeros: x.shape)
        dx.withUnsafeMutablePointer { dxp in dm.withUnsafeMutablePointer { dmp in
            dy.withUnsafePointer { dyp in x.withUnsafePointer { xp in m.withUnsafePointer { mp in
                ModulateOp.backward(dy: dyp, x: xp, scale: mp + scale * d, ld: ld, dx: dxp, dShift: dmp + shift * d,
                                    dScale: dmp + scale * d, ldGrad: ld, batch: b, tokens: t, d: d)
            }}}
        }}
        return dx
    }

    static func gate<T: TensorScalar>(_ x: Tensor<T>, _ m: Tensor<T>, gate: Int) -> Tensor<T> {
        let (b, t, d) = x.shape3
        var y = Tensor<T>(uninitialized: x.shape)
        y.withUnsafeMutablePointer { yp in x.withUnsafePointer { xp in m.withUnsafePointer { mp in
            ModulateOp.gate(x: xp, gate: mp + gate * d, ld: m.shape[1], y: yp, batch: b, tokens: t, d: d)
        }}}
        return y
    }

    static func gateBackward<T: TensorScalar>(_ dy: Tensor<T>, x: Tensor<T>, _ m: Tensor<T>, gate: Int, dm: inout Tensor<T>) -> Tensor<T> {
        let (b, t, d) = x.shape3
        let ld = m.shape[1]
        var dx = Tensor<T>(zeros: x.shape)
        dx.withUnsafeMutablePointer { dxp in dm.withUnsafeMutablePointer { dmp in
            dy.withUnsafePointer { dyp in x.withUnsafePointer { xp in m.withUnsafePointer { mp in
                ModulateOp.gateBackward(dy: dyp, x: xp, gate: mp + gate * d, ld: ld, dx: dxp, dGate: dmp + gate * d, ldGrad: ld,
                                        batch: b, tokens: t, d: d)
            }}}
        }}
        return dx
    }
}

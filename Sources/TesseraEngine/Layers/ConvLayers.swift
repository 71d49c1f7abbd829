// Layers for video convolution networks: causal 3D convolution, SiLU, causal up-sampling,
// space-to-depth, and a residual block made of them.
//   x: (B, F, H, W, C) channels last.

/// State carried between the chunks of a streamed (temporally tiled) inference: each causal conv's
/// last kt-1 input frames, and whether the stream has started. Streaming a video chunk by chunk
/// through layers that take a `StreamState` gives exactly the result of one whole pass.
public final class StreamState<T: TensorScalar> {
    var history: [ObjectIdentifier: Tensor<T>] = [:]
    public internal(set) var started = false
    public init() {}
    /// Call after each chunk has passed through every layer.
    public func finishChunk() { started = true }
}

/// Causal 3D convolution (zero padding in front in time, "same" padding in space).
public final class CausalConv3D<T: TensorScalar>: Layer {
    public let store: ParameterStore<T>
    public let weight: Parameter   // (kt, kh, kw, Cin, Cout)
    public let bias: Parameter     // (Cout)
    public let inChannels: Int, outChannels: Int
    public let kernel: (t: Int, h: Int, w: Int), stride: (t: Int, h: Int, w: Int)
    private var cache: (x: Tensor<T>, shape: Conv3DShape)?

    public init(_ store: ParameterStore<T>, _ name: String, in inChannels: Int, out outChannels: Int,
                kernel: (Int, Int, Int) = (3, 3, 3), stride: (Int, Int, Int) = (1, 1, 1), initScale: Double = 1) {
        self.store = store
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernel = (kernel.0, kernel.1, kernel.2)
        self.stride = (stride.0, stride.1, stride.2)
        let fanIn = kernel.0 * kernel.1 * kernel.2 * inChannels
        // He-style uniform init for SiLU networks, scaled (e.g. down for the last layer of a residual branch).
        weight = store.add(name + ".weight", shape: [kernel.0, kernel.1, kernel.2, inChannels, outChannels],
                           initializer: .normal(std: initScale * (1.0 / Double(fanIn)).squareRoot()))
        bias = store.add(name + ".bias", shape: [outChannels], initializer: .zeros)
    }

    public func shape(for x: Tensor<T>) -> Conv3DShape {
        let (b, f, h, w, c) = x.shape5
        precondition(c == inChannels, "CausalConv3D expects \(inChannels) channels, got \(x.shape)")
        return Conv3DShape(batch: b, frames: f, height: h, width: w, inChannels: c, outChannels: outChannels,
                           kernel: (kernel.t, kernel.h, kernel.w), stride: (stride.t, stride.h, stride.w))
    }

    /// Forward without caching (inference). With a `stream`, frames before this chunk come from the
    /// previous chunk instead of zero padding.
    public func callAsFunction(_ x: Tensor<T>, stream: StreamState<T>? = nil) -> Tensor<T> {
        let s = shape(for: x)
        var y = Tensor<T>(uninitialized: [s.batch, s.outFrames, s.outHeight, s.outWidth, outChannels])
        let keep = kernel.t - 1
        let history = keep > 0 ? stream?.history[ObjectIdentifier(self)] : nil
        y.withUnsafeMutablePointer { yp in
            Conv3DOp.forward(x: x.storage.pointer, weight: store.value(weight), bias: store.value(bias), y: yp, shape: s,
                             history: history?.storage.pointer)
        }
        if let stream, keep > 0 {
            // The last kt-1 frames of (history ++ x) become the next chunk's history.
            let frameSize = s.height * s.width * s.inChannels
            var next = Tensor<T>(zeros: [s.batch, keep, s.height, s.width, s.inChannels])
            next.withUnsafeMutablePointer { np in
                for b in 0..<s.batch {
                    for k in 0..<keep {
                        let f = s.frames - keep + k   // index into x; negative means from the old history
                        let dst = np + (b * keep + k) * frameSize
                        if f >= 0 {
                            dst.update(from: x.storage.pointer + (b * s.frames + f) * frameSize, count: frameSize)
                        } else if let h = history {
                            dst.update(from: h.storage.pointer + (b * keep + (keep + f)) * frameSize, count: frameSize)
                        }
                    }
                }
            }
            stream.history[ObjectIdentifier(self)] = next
        }
        return y
    }

    public func forward(_ x: Tensor<T>) -> Tensor<T> {
        cache = (x, shape(for: x))
        return callAsFunction(x)
    }

    public func backward(_ dy: Tensor<T>) -> Tensor<T> {
        guard let c = cache else { preconditionFailure("CausalConv3D.backward before forward") }
        var dx = Tensor<T>(zeros: c.x.shape)
        dx.withUnsafeMutablePointer { dxp in
            Conv3DOp.backward(dy: dy.storage.pointer, x: c.x.storage.pointer, weight: store.value(weight), dx: dxp,
                              dWeight: store.grad(weight), dBias: store.grad(bias), shape: c.shape)
        }
        cache = nil
        return dx
    }
}

public final class SiLU<T: TensorScalar>: Layer {
    private var input: Tensor<T>?
    public init() {}
    public func callAsFunction(_ x: Tensor<T>) -> Tensor<T> {
        var y = Tensor<T>(uninitialized: x.shape)
        y.withUnsafeMutablePointer { Elementwise.silu(x.storage.pointer, $0, count: x.count) }
        return y
    }
    public func forward(_ x: Tensor<T>) -> Tensor<T> { input = x; return callAsFunction(x) }
    public func backward(_ dy: Tensor<T>) -> Tensor<T> {
        guard let x = input else { preconditionFailure("SiLU.backward before forward") }
        var dx = Tensor<T>(zeros: x.shape)
        dx.withUnsafeMutablePointer { Elementwise.siluBackward(dout: dy.storage.pointer, x: x.storage.pointer, dx: $0, count: x.count) }
        input = nil
        return dx
    }
}

/// Nearest-neighbour causal up-sampling by (ft, fh, fw).
public final class CausalUpsample3D<T: TensorScalar>: Layer {
    public let factor: (t: Int, h: Int, w: Int)
    private var inputShape: [Int]?
    public init(factor: (Int, Int, Int)) { self.factor = (factor.0, factor.1, factor.2) }

    public func callAsFunction(_ x: Tensor<T>, stream: StreamState<T>? = nil) -> Tensor<T> {
        let (b, f, h, w, c) = x.shape5
        let continuation = stream?.started ?? false
        let frames = continuation ? f * factor.t : Upsample3DOp.outputFrames(f, factor.t)
        var y = Tensor<T>(uninitialized: [b, frames, h * factor.h, w * factor.w, c])
        y.withUnsafeMutablePointer {
            Upsample3DOp.forward(x: x.storage.pointer, y: $0, batch: b, frames: f, height: h, width: w, channels: c,
                                 factor: factor, continuation: continuation)
        }
        return y
    }
    public func forward(_ x: Tensor<T>) -> Tensor<T> { inputShape = x.shape; return callAsFunction(x) }
    public func backward(_ dy: Tensor<T>) -> Tensor<T> {
        guard let shape = inputShape else { preconditionFailure("CausalUpsample3D.backward before forward") }
        var dx = Tensor<T>(zeros: shape)
        dx.withUnsafeMutablePointer {
            Upsample3DOp.backward(dy: dy.storage.pointer, dx: $0, batch: shape[0], frames: shape[1], height: shape[2],
                                  width: shape[3], channels: shape[4], factor: factor)
        }
        return dx
    }
}

/// x + conv(silu(norm(conv(silu(norm(x)))))), with a 1x1x1 projection on the skip path when the
/// channel count changes. The second conv starts small so each block starts near the identity.
/// Norms are per pixel over channels (layer norm), not group norms over the frame: statistics then
/// never depend on how much of the frame is in view, so tiled decoding matches whole-frame decoding
/// and the block stays causal in time.
public final class ResidualBlock3D<T: TensorScalar>: Layer {
    public let norm1: LayerNorm<T>, act1 = SiLU<T>(), conv1: CausalConv3D<T>
    public let norm2: LayerNorm<T>, act2 = SiLU<T>(), conv2: CausalConv3D<T>
    public let skip: CausalConv3D<T>?

    public init(_ store: ParameterStore<T>, _ name: String, in inChannels: Int, out outChannels: Int,
                kernel: (Int, Int, Int) = (3, 3, 3)) {
        norm1 = LayerNorm(store, name + ".norm1", features: inChannels)
        conv1 = CausalConv3D(store, name + ".conv1", in: inChannels, out: outChannels, kernel: kernel)
        norm2 = LayerNorm(store, name + ".norm2", features: outChannels)
        conv2 = CausalConv3D(store, name + ".conv2", in: outChannels, out: outChannels, kernel: kernel, initScale: 0.1)
        skip = inChannels == outChannels ? nil : CausalConv3D(store, name + ".skip", in: inChannels, out: outChannels, kernel: (1, 1, 1))
    }

    public func callAsFunction(_ x: Tensor<T>, stream: StreamState<T>? = nil) -> Tensor<T> {
        let h = conv2(act2(norm2(conv1(act1(norm1(x)), stream: stream))), stream: stream)
        return (skip.map { $0(x, stream: stream) } ?? x) + h
    }

    public func forward(_ x: Tensor<T>) -> Tensor<T> {
        let h = conv2.forward(act2.forward(norm2.forward(conv1.forward(act1.forward(norm1.forward(x))))))
        return (skip?.forward(x) ?? x) + h
    }

    public func backward(_ dy: Tensor<T>) -> Tensor<T> {
        let dh = norm1.backward(act1.backward(conv1.backward(norm2.backward(act2.backward(conv2.backward(dy))))))
        return dh + (skip?.backward(dy) ?? dy)
    }
}

/// Space-to-depth by `factor` (pixel unshuffle): (B, F, H, W, C) -> (B, F, H/r, W/r, r*r*C), channel
/// order (dy, dx, c). `inverse` is depth-to-space (pixel shuffle). Pure permutations, so each one's
/// backward pass is the other.
public final class SpaceToDepth<T: TensorScalar>: Layer {
    public let factor: Int
    public let inverse: Bool

    public init(factor: Int, inverse: Bool = false) {
        self.factor = factor
        self.inverse = inverse
    }

    static func spaceToDepth(_ x: Tensor<T>, _ r: Int) -> Tensor<T> {
        let (b, f, h, w, c) = x.shape5
        precondition(h % r == 0 && w % r == 0, "space-to-depth: \(w)x\(h) is not a multiple of \(r)")
        var y = Tensor<T>(uninitialized: [b, f, h / r, w / r, r * r * c])
        y.withUnsafeMutablePointer {
            PermuteOp.forward(x: x.storage.pointer, shape: [b * f, h / r, r, w / r, r, c], axes: [0, 1, 3, 2, 4, 5], out: $0)
        }
        return y
    }

    static func depthToSpace(_ x: Tensor<T>, _ r: Int) -> Tensor<T> {
        let (b, f, h, w, cc) = x.shape5
        let c = cc / (r * r)
        var y = Tensor<T>(uninitialized: [b, f, h * r, w * r, c])
        y.withUnsafeMutablePointer {
            PermuteOp.forward(x: x.storage.pointer, shape: [b * f, h, w, r, r, c], axes: [0, 1, 3, 2, 4, 5], out: $0)
        }
        return y
    }

    public func callAsFunction(_ x: Tensor<T>) -> Tensor<T> {
        inverse ? SpaceToDepth.depthToSpace(x, factor) : SpaceToDepth.spaceToDepth(x, factor)
    }
    public func forward(_ x: Tensor<T>) -> Tensor<T> { callAsFunction(x) }
    public func backward(_ dy: Tensor<T>) -> Tensor<T> {
        inverse ? SpaceToDepth.spaceToDepth(dy, factor) : SpaceToDepth.depthToSpace(dy, factor)
    }
}

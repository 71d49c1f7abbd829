// Layers own parameters in a `ParameterStore`, cache in `forward` what `backward` needs, and
// accumulate parameter gradients in `backward` (explicit per-layer backward, as in llm.c; see
// docs/engine.md). One forward must precede each backward.

public protocol Layer: AnyObject {
    associatedtype Scalar: TensorScalar
    func forward(_ x: Tensor<Scalar>) -> Tensor<Scalar>
    /// Returns d(loss)/d(input) and adds d(loss)/d(parameters) into the store's gradients.
    func backward(_ dy: Tensor<Scalar>) -> Tensor<Scalar>
}

/// y = x W^T + b over the last dimension.
public final class Linear<T: TensorScalar>: Layer {
    public let store: ParameterStore<T>
    public let weight: Parameter   // (out, in)
    public let bias: Parameter?    // (out)
    public let inFeatures: Int, outFeatures: Int
    private var input: Tensor<T>?

    public init(_ store: ParameterStore<T>, _ name: String, in inFeatures: Int, out outFeatures: Int,
                bias: Bool = true, initializer: ParameterInit? = nil) {
        self.store = store
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        weight = store.add(name + ".weight", shape: [outFeatures, inFeatures],
                           initializer: initializer ?? .xavier(fanIn: inFeatures, fanOut: outFeatures))
        self.bias = bias ? store.add(name + ".bias", shape: [outFeatures], initializer: .zeros) : nil
    }

    public func forward(_ x: Tensor<T>) -> Tensor<T> {
        precondition(x.shape.last == inFeatures, "Linear expects last dimension \(inFeatures), got \(x.shape)")
        input = Autograd.keep(x)
        let n = x.count / inFeatures
        var y = Tensor<T>(uninitialized: Array(x.shape.dropLast()) + [outFeatures])
        y.withUnsafeMutablePointer { yp in
            LinearOp.forward(x: x.storage.pointer, weight: store.value(weight), bias: bias.map { UnsafePointer(store.value($0)) },
                             y: yp, n: n, k: inFeatures, m: outFeatures)
        }
        return y
    }

    public func backward(_ dy: Tensor<T>) -> Tensor<T> {
        guard let x = input else { preconditionFailure("Linear.backward before forward") }
        var dx = Tensor<T>(uninitialized: x.shape)
        dx.withUnsafeMutablePointer { dxp in
            LinearOp.backward(dy: dy.storage.pointer, x: x.storage.pointer, weight: store.value(weight), dx: dxp,
                              dWeight: store.grad(weight), dBias: bias.map { store.grad($0) },
                              n: x.count / inFeatures, k: inFeatures, m: outFeatures)
        }
        return dx
    }
}

/// Layer norm over the last dimension, with optional learned scale and shift.
public final class LayerNorm<T: TensorScalar>: Layer {
    public let store: ParameterStore<T>
    public let gamma: Parameter?, beta: Parameter?
    public let features: Int
    private var input: Tensor<T>?
    private var mean: Tensor<T>?, rstd: Tensor<T>?

    public init(_ store: ParameterStore<T>, _ name: String, features: Int, affine: Bool = true) {
        self.store = store
        self.features = features
        gamma = affine ? store.add(name + ".weight", shape: [features], initializer: .ones) : nil
        beta = affine ? store.add(name + ".bias", shape: [features], initializer: .zeros) : nil
    }

    /// Forward without caching (inference).
    public func callAsFunction(_ x: Tensor<T>) -> Tensor<T> {
        let saved = (input, mean, rstd)
        let y = forward(x)
        (input, mean, rstd) = saved
        return y
    }

    public func forward(_ x: Tensor<T>) -> Tensor<T> {
        precondition(x.shape.last == features, "LayerNorm expects last dimension \(features), got \(x.shape)")
        let n = x.count / features
        var y = Tensor<T>(uninitialized: x.shape)
        var m = Tensor<T>(uninitialized: [n]), r = Tensor<T>(uninitialized: [n])
        y.withUnsafeMutablePointer { yp in m.withUnsafeMutablePointer { mp in r.withUnsafeMutablePointer { rp in
            LayerNormOp.forward(x: x.storage.pointer, gamma: gamma.map { UnsafePointer(store.value($0)) },
                                beta: beta.map { UnsafePointer(store.value($0)) }, y: yp, mean: mp, rstd: rp, n: n, d: features)
        }}}
        input = Autograd.keep(x); mean = Autograd.keep(m); rstd = Autograd.keep(r)
        return y
    }

    public func backward(_ dy: Tensor<T>) -> Tensor<T> {
        guard let x = input, let m = mean, let r = rstd else { preconditionFailure("LayerNorm.backward before forward") }
        var dx = Tensor<T>(zeros: x.shape)
        dx.withUnsafeMutablePointer { dxp in
            LayerNormOp.backward(dy: dy.storage.pointer, x: x.storage.pointer, gamma: gamma.map { UnsafePointer(store.value($0)) },
                                 mean: m.storage.pointer, rstd: r.storage.pointer, dx: dxp,
                                 dGamma: gamma.map { store.grad($0) }, dBeta: beta.map { store.grad($0) },
                                 n: x.count / features, d: features)
        }
        return dx
    }
}

/// GELU (tanh form) as a layer.
public final class GELU<T: TensorScalar>: Layer {
    private var input: Tensor<T>?
    public init() {}
    public func forward(_ x: Tensor<T>) -> Tensor<T> {
        input = Autograd.keep(x)
        var y = Tensor<T>(uninitialized: x.shape)
        y.withUnsafeMutablePointer { Elementwise.gelu(x.storage.pointer, $0, count: x.count) }
        return y
    }
    public func backward(_ dy: Tensor<T>) -> Tensor<T> {
        guard let x = input else { preconditionFailure("GELU.backward before forward") }
        var dx = Tensor<T>(zeros: x.shape)
        dx.withUnsafeMutablePointer { Elementwise.geluBackward(dout: dy.storage.pointer, x: x.storage.pointer, dx: $0, count: x.count) }
        return dx
    }
}

extension Tensor {
    /// Elementwise sum of equal shapes.
    public static func + (a: Tensor, b: Tensor) -> Tensor {
        precondition(a.shape == b.shape, "adding \(a.shape) and \(b.shape)")
        var out = Tensor(uninitialized: a.shape)
        out.withUnsafeMutablePointer { Elementwise.add(a.storage.pointer, b.storage.pointer, $0, count: a.count) }
        return out
    }
}

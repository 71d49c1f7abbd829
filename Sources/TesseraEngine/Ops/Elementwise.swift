// Elementwise ops with their backward passes: add, mul, GELU (tanh form), SiLU, and the sum-of-squares
// loss. Memory-bound, so each is a single pass spread over the workers.

public enum Elementwise {
    static let chunk = 1 << 14

    /// out = a + b.
    @_specialize(where T == Float) @_specialize(where T == Double)
    public static func add<T: TensorScalar>(_ a: UnsafePointer<T>, _ b: UnsafePointer<T>, _ out: UnsafeMutablePointer<T>, count: Int) {
        Parallel.forRange(count, minimumChunk: chunk) { r in for i in r { out[i] = a[i] + b[i] } }
    }

    /// y += alpha * x.
    @_specialize(where T == Float) @_specialize(where T == Double)
    public static func accumulate<T: TensorScalar>(_ x: UnsafePointer<T>, into y: UnsafeMutablePointer<T>, count: Int, alpha: T = 1) {
        Parallel.forRange(count, minimumChunk: chunk) { r in for i in r { y[i] += alpha * x[i] } }
    }

    /// out = a * b. Backward: da = dout * b, db = dout * a.
    @_specialize(where T == Float) @_specialize(where T == Double)
    public static func mul<T: TensorScalar>(_ a: UnsafePointer<T>, _ b: UnsafePointer<T>, _ out: UnsafeMutablePointer<T>, count: Int) {
        Parallel.forRange(count, minimumChunk: chunk) { r in for i in r { out[i] = a[i] * b[i] } }
    }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public static func mulBackward<T: TensorScalar>(dout: UnsafePointer<T>, a: UnsafePointer<T>, b: UnsafePointer<T>,
                                                    da: UnsafeMutablePointer<T>?, db: UnsafeMutablePointer<T>?, count: Int) {
        Parallel.forRange(count, minimumChunk: chunk) { r in
            for i in r {
                if let da { da[i] += dout[i] * b[i] }
                if let db { db[i] += dout[i] * a[i] }
            }
        }
    }

    // GELU, tanh approximation: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
    static let geluC: Double = 0.797_884_560_802_865_4
    static let geluA: Double = 0.044_715

    @_specialize(where T == Float) @_specialize(where T == Double)
    public static func gelu<T: TensorScalar>(_ x: UnsafePointer<T>, _ out: UnsafeMutablePointer<T>, count: Int) {
        if T.self == Float.self {
            x.withMemoryRebound(to: Float.self, capacity: count) { xf in
                out.withMemoryRebound(to: Float.self, capacity: count) { geluFloat(xf, $0, count: count) }
            }
            return
        }
        let c = T(geluC), a = T(geluA)
        Parallel.forRange(count, minimumChunk: chunk) { r in
            for i in r {
                let v = x[i]
                out[i] = 0.5 * v * (1 + T.tanh(c * (v + a * v * v * v)))
            }
        }
    }

    static func geluFloat(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, count: Int) {
        let c = Float(geluC), a = Float(geluA)
        Parallel.forRange(count, minimumChunk: chunk) { r in
            var i = r.lowerBound
            let src = UnsafeRawPointer(x), dst = UnsafeMutableRawPointer(out)
            while i + 16 <= r.upperBound {
                let v = src.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
                let t = VectorMath.tanh16(c * (v + a * v * v * v))
                dst.storeBytes(of: 0.5 * v * (1 + t), toByteOffset: i * 4, as: SIMD16<Float>.self)
                i += 16
            }
            while i < r.upperBound {
                let v = x[i]
                out[i] = 0.5 * v * (1 + Float.tanh(c * (v + a * v * v * v)))
                i += 1
            }
        }
    }

    /// dx += dout * gelu'(x).
    @_specialize(where T == Float) @_specialize(where T == Double)
    public static func geluBackward<T: TensorScalar>(dout: UnsafePointer<T>, x: UnsafePointer<T>, dx: UnsafeMutablePointer<T>, count: Int) {
        if T.self == Float.self {
            dout.withMemoryRebound(to: Float.self, capacity: count) { d in
                x.withMemoryRebound(to: Float.self, capacity: count) { xf in
                    dx.withMemoryRebound(to: Float.self, capacity: count) { geluBackwardFloat(d, xf, $0, count: count) }
                }
            }
            return
        }
        let c = T(geluC), a = T(geluA)
        Parallel.forRange(count, minimumChunk: chunk) { r in
            for i in r {
                let v = x[i]
                let u = c * (v + a * v * v * v)
                let t = T.tanh(u)
                let du = c * (1 + 3 * a * v * v)
                dx[i] += dout[i] * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * du)
            }
        }
    }

    static func geluBackwardFloat(_ dout: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, count: Int) {
        let c = Float(geluC), a = Float(geluA)
        Parallel.forRange(count, minimumChunk: chunk) { r in
            var i = r.lowerBound
            let src = UnsafeRawPointer(x), g = UnsafeRawPointer(dout), dst = UnsafeMutableRawPointer(dx)
            while i + 16 <= r.upperBound {
                let v = src.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
                let t = VectorMath.tanh16(c * (v + a * v * v * v))
                let du = c * (1 + 3 * a * v * v)
                let d = g.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
                let old = dst.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
                let slope: SIMD16<Float> = 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * du
                dst.storeBytes(of: old + d * slope, toByteOffset: i * 4, as: SIMD16<Float>.self)
                i += 16
            }
            while i < r.upperBound {
                let v = x[i]
                let t: Float = Float.tanh(c * (v + a * v * v * v))
                let du: Float = c * (1 + 3 * a * v * v)
                let slope: Float = 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * du
                dx[i] += dout[i] * slope
                i += 1
            }
        }
    }

    /// SiLU: x * sigmoid(x).
    @_specialize(where T == Float) @_specialize(where T == Double)
    public static func silu<T: TensorScalar>(_ x: UnsafePointer<T>, _ out: UnsafeMutablePointer<T>, count: Int) {
        if T.self == Float.self {
            x.withMemoryRebound(to: Float.self, capacity: count) { xf in
                out.withMemoryRebound(to: Float.self, capacity: count) { siluFloat(xf, $0, nil, count: count) }
            }
            return
        }
        Parallel.forRange(count, minimumChunk: chunk) { r in
            for i in r { out[i] = x[i] / (1 + T.exp(-x[i])) }
        }
    }

    /// dx += dout * sigmoid(x) * (1 + x (1 - sigmoid(x))).
    @_specialize(where T == Float) @_specialize(where T == Double)
    public static func siluBackward<T: TensorScalar>(dout: UnsafePointer<T>, x: UnsafePointer<T>, dx: UnsafeMutablePointer<T>, count: Int) {
        if T.self == Float.self {
            x.withMemoryRebound(to: Float.self, capacity: count) { xf in
                dx.withMemoryRebound(to: Float.self, capacity: count) { dxf in
                    dout.withMemoryRebound(to: Float.self, capacity: count) { siluFloat(xf, dxf, $0, count: count) }
                }
            }
            return
        }
        Parallel.forRange(count, minimumChunk: chunk) { r in
            for i in r {
                let s = 1 / (1 + T.exp(-x[i]))
                dx[i] += dout[i] * s * (1 + x[i] * (1 - s))
            }
        }
    }

    /// SiLU forward (`dout` nil: out = x * s) or backward (out += dout * s * (1 + x (1 - s))), s = sigmoid(x),
    /// 16 lanes at a time.
    static func siluFloat(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ dout: UnsafePointer<Float>?, count: Int) {
        Parallel.forRange(count, minimumChunk: chunk) { r in
            var i = r.lowerBound
            let src = UnsafeRawPointer(x), dst = UnsafeMutableRawPointer(out)
            while i + 16 <= r.upperBound {
                let v = src.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
                let sig = 1 / (1 + VectorMath.exp16(-v))
                if let dout {
                    let g = UnsafeRawPointer(dout).loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
                    let old = dst.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
                    let slope: SIMD16<Float> = sig * (1 + v * (1 - sig))
                    dst.storeBytes(of: old + g * slope, toByteOffset: i * 4, as: SIMD16<Float>.self)
                } else {
                    dst.storeBytes(of: v * sig, toByteOffset: i * 4, as: SIMD16<Float>.self)
                }
                i += 16
            }
            while i < r.upperBound {
                let v = x[i]
                let sig = 1 / (1 + Float.exp(-v))
                if let dout { out[i] += dout[i] * sig * (1 + v * (1 - sig)) } else { out[i] = v * sig }
                i += 1
            }
        }
    }

    /// Mean squared error mean((a - b)^2); writes d/da into `da` when given.
    @_specialize(where T == Float) @_specialize(where T == Double)
    public static func meanSquaredError<T: TensorScalar>(_ a: UnsafePointer<T>, _ b: UnsafePointer<T>, count: Int,
                                                         da: UnsafeMutablePointer<T>?) -> Double {
        var total = 0.0
        for i in 0..<count {
            let d = a[i] - b[i]
            total += Double(d * d)
            if let da { da[i] = 2 * d / T(count) }
        }
        return total / Double(count)
    }
}

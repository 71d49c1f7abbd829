// Vectorised transcendental kernels for the hot elementwise paths (softmax inside attention, GELU).
// Float runs 16 lanes at a time with a Cephes-style polynomial (max relative error ~2e-7 over the
// range softmax uses); Double, used only by gradient checks, calls libm so checks stay exact.

public enum VectorMath {
    /// x[i] = exp(x[i]) for i in 0..<count.
    @inline(__always)
    public static func expInPlace<T: TensorScalar>(_ x: UnsafeMutablePointer<T>, count: Int) {
        if T.self == Float.self {
            x.withMemoryRebound(to: Float.self, capacity: count) { expInPlaceFloat($0, count: count) }
        } else {
            for i in 0..<count { x[i] = T.exp(x[i]) }
        }
    }

    /// x[i] = exp(x[i] - shift) and returns the sum of the results (accumulated in Double-free Float lanes).
    @inline(__always)
    public static func expShiftedSum<T: TensorScalar>(_ x: UnsafeMutablePointer<T>, count: Int, shift: T) -> T {
        if T.self == Float.self {
            return x.withMemoryRebound(to: Float.self, capacity: count) {
                T(expShiftedSumFloat($0, count: count, shift: Float(shift)))
            }
        }
        var sum: T = 0
        for i in 0..<count {
            let e = T.exp(x[i] - shift)
            x[i] = e
            sum += e
        }
        return sum
    }

    /// Sum of x[0..<count]. Float uses 16 independent lanes (a serial sum is latency-bound).
    @inline(__always)
    public static func sum<T: TensorScalar>(_ x: UnsafePointer<T>, count: Int) -> T {
        if T.self == Float.self {
            return x.withMemoryRebound(to: Float.self, capacity: count) { T(reduceFloat($0, nil, count: count, shift: 0)) }
        }
        var s: T = 0
        for i in 0..<count { s += x[i] }
        return s
    }

    /// Sum of x[i] * y[i].
    @inline(__always)
    public static func dot<T: TensorScalar>(_ x: UnsafePointer<T>, _ y: UnsafePointer<T>, count: Int) -> T {
        if T.self == Float.self {
            return x.withMemoryRebound(to: Float.self, capacity: count) { xf in
                y.withMemoryRebound(to: Float.self, capacity: count) { T(reduceFloat(xf, $0, count: count, shift: 0)) }
            }
        }
        var s: T = 0
        for i in 0..<count { s += x[i] * y[i] }
        return s
    }

    /// Sum of (x[i] - shift)^2.
    @inline(__always)
    public static func sumSquaredDeviation<T: TensorScalar>(_ x: UnsafePointer<T>, count: Int, shift: T) -> T {
        if T.self == Float.self {
            return x.withMemoryRebound(to: Float.self, capacity: count) { xf in
                T(reduceFloat(xf, xf, count: count, shift: Float(shift)))
            }
        }
        var s: T = 0
        for i in 0..<count { let d = x[i] - shift; s += d * d }
        return s
    }

    /// sum(x) when y is nil, else sum((x - shift) * (y - shift)).
    static func reduceFloat(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>?, count: Int, shift: Float) -> Float {
        var acc = SIMD16<Float>(repeating: 0)
        var i = 0
        let rx = UnsafeRawPointer(x)
        let sh = SIMD16<Float>(repeating: shift)
        if let y {
            let ry = UnsafeRawPointer(y)
            while i + 16 <= count {
                let a = rx.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self) - sh
                let b = ry.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self) - sh
                acc += a * b
                i += 16
            }
        } else {
            while i + 16 <= count {
                acc += rx.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
                i += 16
            }
        }
        var s: Float = 0
        for lane in 0..<16 { s += acc[lane] }
        while i < count {
            s += y.map { (x[i] - shift) * ($0[i] - shift) } ?? x[i]
            i += 1
        }
        return s
    }

    /// Largest of x[0..<count] (count > 0).
    @inline(__always)
    public static func maximum<T: TensorScalar>(_ x: UnsafePointer<T>, count: Int) -> T {
        if T.self == Float.self {
            return x.withMemoryRebound(to: Float.self, capacity: count) { T(maximumFloat($0, count: count)) }
        }
        var m = x[0]
        for i in 1..<count { m = Swift.max(m, x[i]) }
        return m
    }

    static func maximumFloat(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var i = 0
        var acc = SIMD16<Float>(repeating: -.infinity)
        let raw = UnsafeRawPointer(x)
        while i + 16 <= count {
            let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
            acc = acc.replacing(with: v, where: v .> acc)   // (pointwiseMax is lowered lane by lane)
            i += 16
        }
        var m = acc[0]
        for lane in 1..<16 { m = Swift.max(m, acc[lane]) }
        while i < count { m = Swift.max(m, x[i]); i += 1 }
        return m
    }

    @inline(__always)
    public static func exp16(_ v: SIMD16<Float>) -> SIMD16<Float> {
        // Clamp so that 2^n stays a normal float; exp(-87.3) ~ 1e-38 underflows to ~0 as softmax wants.
        // (`replacing` vectorises; `clamped` and `pointwiseMin` are lowered lane by lane.)
        var x = v.replacing(with: -87.3, where: v .< -87.3)
        x = x.replacing(with: 88.3, where: x .> 88.3)
        // Round x*log2(e) to an integer with the 1.5 * 2^23 trick: after the add, the float's low
        // mantissa bits hold n, so no float->int lane conversion is needed (Swift scalarises those).
        let magic = SIMD16<Float>(repeating: 12_582_912)
        let shifted = x * 1.442_695_04 + magic
        let n = shifted - magic
        // r = x - n*ln2, split ln2 for accuracy.
        var r = x - n * 0.693_359_375
        r = r + n * 2.121_944_4e-4
        var p = SIMD16<Float>(repeating: 1.987_569_1e-4)
        p = p * r + 1.398_199_9e-3
        p = p * r + 8.333_452e-3
        p = p * r + 4.166_579_6e-2
        p = p * r + 1.666_666_5e-1
        p = p * r + 5.000_000_1e-1
        p = p * (r * r) + r + 1
        let bits = (unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- 0x4B40_0000 &+ 127) &<< 23
        return p * unsafeBitCast(bits, to: SIMD16<Float>.self)
    }

    static func expInPlaceFloat(_ x: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        let raw = UnsafeMutableRawPointer(x)
        while i + 16 <= count {
            let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
            raw.storeBytes(of: exp16(v), toByteOffset: i * 4, as: SIMD16<Float>.self)
            i += 16
        }
        if i < count {
            var tail = SIMD16<Float>(repeating: 0)
            for j in i..<count { tail[j - i] = x[j] }
            let e = exp16(tail)
            for j in i..<count { x[j] = e[j - i] }
        }
    }

    static func expShiftedSumFloat(_ x: UnsafeMutablePointer<Float>, count: Int, shift: Float) -> Float {
        var i = 0
        var acc = SIMD16<Float>(repeating: 0)
        let raw = UnsafeMutableRawPointer(x)
        let s = SIMD16<Float>(repeating: shift)
        while i + 16 <= count {
            let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
            let e = exp16(v - s)
            raw.storeBytes(of: e, toByteOffset: i * 4, as: SIMD16<Float>.self)
            acc += e
            i += 16
        }
        var sum = acc.sum()
        if i < count {
            var tail = SIMD16<Float>(repeating: -.infinity)
            for j in i..<count { tail[j - i] = x[j] - shift }
            let e = exp16(tail)
            for j in i..<count { x[j] = e[j - i]; sum += e[j - i] }
        }
        return sum
    }

    /// tanh through exp: tanh(x) = 1 - 2 / (exp(2x) + 1); saturates cleanly for large |x|.
    @inline(__always)
    static func tanh16(_ v: SIMD16<Float>) -> SIMD16<Float> {
        let e = exp16(v * 2)
        return 1 - 2 / (e + 1)
    }
}

// Counter-based random numbers (Philox4x32-10, Salmon et al., SC 2011).
//
// A value is a pure function of (key, counter), so noise can be drawn for any (seed, stream, index)
// in any order and on any thread and still come out bit for bit the same. There is no global state:
// a `RandomGenerator` is a small value that carries its key and its next counter.

/// Philox4x32-10 block function: 128-bit counter + 64-bit key -> four 32-bit words.
@inline(__always)
public func philox4x32(counter: (UInt32, UInt32, UInt32, UInt32), key: (UInt32, UInt32)) -> (UInt32, UInt32, UInt32, UInt32) {
    var c = counter
    var k = key
    let m0: UInt64 = 0xD251_1F53, m1: UInt64 = 0xCD9E_8D57
    for round in 0..<10 {
        if round > 0 {
            k.0 &+= 0x9E37_79B9
            k.1 &+= 0xBB67_AE85
        }
        let p0 = m0 &* UInt64(c.0), p1 = m1 &* UInt64(c.2)
        c = (UInt32(truncatingIfNeeded: p1 >> 32) ^ c.1 ^ k.0, UInt32(truncatingIfNeeded: p1),
             UInt32(truncatingIfNeeded: p0 >> 32) ^ c.3 ^ k.1, UInt32(truncatingIfNeeded: p0))
    }
    return c
}

/// A seeded stream of random numbers. `stream` separates independent uses of one seed
/// (for example weights, noise, data order) so that adding draws to one never shifts another.
public struct RandomGenerator: Sendable, Equatable, Codable {
    public let seed: UInt64
    public let stream: UInt64
    /// Index of the next 128-bit block.
    public var counter: UInt64

    public init(seed: UInt64, stream: UInt64 = 0, counter: UInt64 = 0) {
        self.seed = seed
        self.stream = stream
        self.counter = counter
    }

    /// A generator for a sub-stream, derived without consuming from this one.
    public func derived(_ substream: UInt64) -> RandomGenerator {
        let mixed = RandomGenerator.mix(stream &* 0x9E37_79B9_7F4A_7C15 &+ substream &+ 1)
        return RandomGenerator(seed: seed, stream: mixed)
    }

    @inline(__always)
    public static func block(seed: UInt64, stream: UInt64, index: UInt64) -> (UInt32, UInt32, UInt32, UInt32) {
        philox4x32(counter: (UInt32(truncatingIfNeeded: index), UInt32(truncatingIfNeeded: index >> 32),
                             UInt32(truncatingIfNeeded: stream), UInt32(truncatingIfNeeded: stream >> 32)),
                   key: (UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32)))
    }

    /// SplitMix64 finaliser, used to derive stream ids.
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Next 64 random bits.
    public mutating func next() -> UInt64 {
        let b = RandomGenerator.block(seed: seed, stream: stream, index: counter)
        counter &+= 1
        return UInt64(b.0) | (UInt64(b.1) << 32)
    }

    /// Uniform in [0, 1) with 53 bits.
    public mutating func uniform() -> Double {
        Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// Uniform in [lower, upper).
    public mutating func uniform(_ lower: Double, _ upper: Double) -> Double {
        lower + (upper - lower) * uniform()
    }

    /// Uniform integer in 0..<bound (bound > 0), without modulo bias.
    public mutating func int(below bound: Int) -> Int {
        precondition(bound > 0, "bound must be positive")
        let b = UInt64(bound)
        let limit = UInt64.max - UInt64.max % b
        while true {
            let r = next()
            if r < limit { return Int(r % b) }
        }
    }

    /// A random element of a non-empty collection.
    public mutating func pick<C: RandomAccessCollection>(_ items: C) -> C.Element where C.Index == Int {
        items[items.startIndex + int(below: items.count)]
    }

    /// Standard normal (Box-Muller on one block).
    public mutating func normal() -> Double {
        let b = RandomGenerator.block(seed: seed, stream: stream, index: counter)
        counter &+= 1
        return RandomGenerator.boxMuller(b.0, b.1)
    }

    @inline(__always)
    static func boxMuller(_ a: UInt32, _ b: UInt32) -> Double {
        let u1 = (Double(a) + 0.5) * (1.0 / 4_294_967_296.0)   // (0, 1): log never sees 0
        let u2 = Double(b) * (1.0 / 4_294_967_296.0)
        return (-2.0 * _log(u1)).squareRoot() * _cos(2.0 * Double.pi * u2)
    }

    /// Fills `count` standard normals; element i depends only on (seed, stream, counter + i/2),
    /// so the result does not depend on how the work is split across threads.
    @_specialize(where T == Float) @_specialize(where T == Double)
    public mutating func fillNormal<T: BinaryFloatingPoint>(_ out: UnsafeMutablePointer<T>, count: Int, scale: Double = 1) {
        let base = counter
        let seed = self.seed, stream = self.stream
        let pairs = (count + 1) / 2
        Parallel.forRange(pairs, minimumChunk: 4096) { range in
            for p in range {
                let b = RandomGenerator.block(seed: seed, stream: stream, index: base &+ UInt64(p))
                let u1 = (Double(b.0) + 0.5) * (1.0 / 4_294_967_296.0)
                let u2 = Double(b.1) * (1.0 / 4_294_967_296.0)
                let r = (-2.0 * _log(u1)).squareRoot() * scale
                let angle = 2.0 * Double.pi * u2
                out[2 * p] = T(r * _cos(angle))
                if 2 * p + 1 < count { out[2 * p + 1] = T(r * _sin(angle)) }
            }
        }
        counter &+= UInt64(pairs)
    }

    /// Fills `count` uniforms in [lower, upper).
    @_specialize(where T == Float) @_specialize(where T == Double)
    public mutating func fillUniform<T: BinaryFloatingPoint>(_ out: UnsafeMutablePointer<T>, count: Int, lower: Double, upper: Double) {
        for i in 0..<count { out[i] = T(uniform(lower, upper)) }
    }
}

@inline(__always) func _log(_ x: Double) -> Double { Foundation_log(x) }
@inline(__always) func _cos(_ x: Double) -> Double { Foundation_cos(x) }
@inline(__always) func _sin(_ x: Double) -> Double { Foundation_sin(x) }

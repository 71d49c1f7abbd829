// A dense, row-major tensor value (last dimension contiguous) with copy-on-write storage.
//
// Layout conventions used across Tessera (see docs/engine.md):
//   B = batch, F = frames, H = height, W = width, C = channels, T = tokens, D = width of a token.
//   Video activations are (B, F, H, W, C): channels last, so a pixel's channels are contiguous and
//   convolutions and linear layers are plain GEMMs over rows.

/// Reference-counted aligned buffer. Unsafe pointers never escape the `with…` closures.
public final class TensorStorage<T: TensorScalar>: @unchecked Sendable {
    public let count: Int
    let pointer: UnsafeMutablePointer<T>

    public init(count: Int) {
        _ = BLAS.configure   // allocation policy (see BLAS.configure)
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(1, count) * MemoryLayout<T>.stride, alignment: 64)
        pointer = raw.bindMemory(to: T.self, capacity: max(1, count))
    }

    deinit { UnsafeMutableRawPointer(pointer).deallocate() }
}

public struct Tensor<T: TensorScalar>: @unchecked Sendable {
    public private(set) var shape: [Int]
    @usableFromInline var storage: TensorStorage<T>

    public var count: Int { storage.count }
    public var rank: Int { shape.count }

    /// A zero-filled tensor. (Raw memset/memcpy here and below: Tensor's methods run unspecialised
    /// when called from other modules, and a generic element loop went through value witnesses,
    /// measured at 9% of autoencoder training.)
    public init(zeros shape: [Int]) {
        self.init(uninitialized: shape)
        UnsafeMutableRawPointer(storage.pointer).initializeMemory(as: UInt8.self, repeating: 0, count: count * MemoryLayout<T>.stride)
    }

    /// A tensor whose contents must be written before they are read.
    public init(uninitialized shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        self.shape = shape
        storage = TensorStorage(count: shape.reduce(1, *))
    }

    public init(shape: [Int], repeating value: T) {
        self.init(uninitialized: shape)
        storage.pointer.initialize(repeating: value, count: count)
    }

    public init(shape: [Int], values: [T]) {
        precondition(shape.reduce(1, *) == values.count, "shape \(shape) needs \(shape.reduce(1, *)) values, got \(values.count)")
        self.init(uninitialized: shape)
        values.withUnsafeBufferPointer {
            UnsafeMutableRawPointer(storage.pointer).copyMemory(from: $0.baseAddress!, byteCount: values.count * MemoryLayout<T>.stride)
        }
    }

    /// Standard normal values times `scale`, from a counter-based generator.
    public init(randomNormal shape: [Int], scale: Double = 1, rng: inout RandomGenerator) {
        self.init(uninitialized: shape)
        rng.fillNormal(storage.pointer, count: count, scale: scale)
    }

    public var scalars: [T] { Array(UnsafeBufferPointer(start: storage.pointer, count: count)) }

    public subscript(flat index: Int) -> T {
        get { storage.pointer[index] }
        set { makeUnique(); storage.pointer[index] = newValue }
    }

    @inline(__always)
    public func withUnsafePointer<R>(_ body: (UnsafePointer<T>) throws -> R) rethrows -> R {
        try body(UnsafePointer(storage.pointer))
    }

    @inline(__always)
    public mutating func withUnsafeMutablePointer<R>(_ body: (UnsafeMutablePointer<T>) throws -> R) rethrows -> R {
        makeUnique()
        return try body(storage.pointer)
    }

    @inline(__always)
    mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) {
            let copy = TensorStorage<T>(count: count)
            UnsafeMutableRawPointer(copy.pointer).copyMemory(from: storage.pointer, byteCount: count * MemoryLayout<T>.stride)
            storage = copy
        }
    }

    /// Same values, new shape (element count must match). Shares storage until written.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var inferred = newShape
        if let i = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().filter { $0.offset != i }.map(\.element).reduce(1, *)
            inferred[i] = known == 0 ? 0 : count / known
        }
        precondition(inferred.reduce(1, *) == count, "cannot reshape \(shape) to \(newShape)")
        var t = self
        t.shape = inferred
        return t
    }

    /// Element type conversion.
    public func converted<U: TensorScalar>(to: U.Type = U.self) -> Tensor<U> {
        var out = Tensor<U>(uninitialized: shape)
        out.withUnsafeMutablePointer { o in
            for i in 0..<count { o[i] = U(storage.pointer[i]) }
        }
        return out
    }

    /// Sizes as a tuple, for destructuring: `let (b, t, d) = x.shape3`.
    public var shape2: (Int, Int) { precondition(rank == 2, "expected rank 2, got \(shape)"); return (shape[0], shape[1]) }
    public var shape3: (Int, Int, Int) { precondition(rank == 3, "expected rank 3, got \(shape)"); return (shape[0], shape[1], shape[2]) }
    public var shape4: (Int, Int, Int, Int) { precondition(rank == 4, "expected rank 4, got \(shape)"); return (shape[0], shape[1], shape[2], shape[3]) }
    public var shape5: (Int, Int, Int, Int, Int) { precondition(rank == 5, "expected rank 5, got \(shape)"); return (shape[0], shape[1], shape[2], shape[3], shape[4]) }
}

extension Tensor: Equatable {
    public static func == (lhs: Tensor, rhs: Tensor) -> Bool {
        lhs.shape == rhs.shape && (0..<lhs.count).allSatisfy { lhs.storage.pointer[$0] == rhs.storage.pointer[$0] }
    }
}

public typealias FloatTensor = Tensor<Float>

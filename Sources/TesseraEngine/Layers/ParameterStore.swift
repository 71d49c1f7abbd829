// One arena for all parameters and one for their gradients (llm.c's malloc_and_point_parameters):
// zeroing gradients is one fill, an optimizer step is one loop, and saving is one pass. Layers keep
// `Parameter` handles (offsets), never pointers, so the arena may grow while a model is built.
import Foundation

public struct Parameter: Sendable, Hashable {
    public let index: Int
    public let offset: Int
    public let count: Int
}

public enum ParameterInit: Sendable {
    case zeros
    case ones
    case normal(std: Double)
    /// Uniform in +-sqrt(6 / (fanIn + fanOut)) (Glorot).
    case xavier(fanIn: Int, fanOut: Int)
}

public final class ParameterStore<T: TensorScalar> {
    public struct Entry: Sendable {
        public let name: String
        public let shape: [Int]
        public let offset: Int
        public var count: Int { shape.reduce(1, *) }
    }

    public private(set) var entries: [Entry] = []
    private var indexByName: [String: Int] = [:]
    public private(set) var count = 0
    private var capacity = 0
    public private(set) var values: UnsafeMutablePointer<T>
    public private(set) var grads: UnsafeMutablePointer<T>
    private let seed: UInt64
    /// False for a store whose values will all be loaded from a file: every parameter starts at zero
    /// instead of drawing random initial values that the load would overwrite.
    private let initializesValues: Bool

    /// `seed` makes initial values reproducible: parameter i draws from stream i.
    public init(seed: UInt64 = 0, initializesValues: Bool = true) {
        self.seed = seed
        self.initializesValues = initializesValues
        values = ParameterStore.grow(nil, to: 1)
        grads = ParameterStore.grow(nil, to: 1)
    }

    deinit {
        free(values)
        free(grads)
    }

    /// Registers a parameter under a unique dotted name (the checkpoint key).
    @discardableResult @_specialize(where T == Float) @_specialize(where T == Double)
    public func add(_ name: String, shape: [Int], initializer: ParameterInit) -> Parameter {
        precondition(indexByName[name] == nil, "parameter '\(name)' registered twice")
        let n = shape.reduce(1, *)
        reserve(count + n)
        let offset = count
        let p = values + offset
        var rng = RandomGenerator(seed: seed, stream: UInt64(entries.count))
        switch initializesValues ? initializer : .zeros {
        case .zeros: p.initialize(repeating: 0, count: n)
        case .ones: p.initialize(repeating: 1, count: n)
        case .normal(let std): rng.fillNormal(p, count: n, scale: std)
        case .xavier(let fanIn, let fanOut):
            let a = (6.0 / Double(fanIn + fanOut)).squareRoot()
            rng.fillUniform(p, count: n, lower: -a, upper: a)
        }
        (grads + offset).initialize(repeating: 0, count: n)
        indexByName[name] = entries.count
        entries.append(Entry(name: name, shape: shape, offset: offset))
        count += n
        return Parameter(index: entries.count - 1, offset: offset, count: n)
    }

    @_specialize(where T == Float) @_specialize(where T == Double)
    private func reserve(_ needed: Int) {
        if needed <= capacity { return }
        let newCapacity = max(needed, capacity * 2, 1024)
        values = ParameterStore.grow(values, to: newCapacity)
        grads = ParameterStore.grow(grads, to: newCapacity)
        capacity = newCapacity
    }

    /// realloc: a large arena grows by remapping its pages (mremap) instead of copying them into
    /// fresh ones, whose page faults dominated loading a model.
    private static func grow(_ p: UnsafeMutablePointer<T>?, to capacity: Int) -> UnsafeMutablePointer<T> {
        guard let raw = realloc(p.map { UnsafeMutableRawPointer($0) }, capacity * MemoryLayout<T>.stride) else {
            fatalError("out of memory: a parameter arena of \(capacity) values")
        }
        return raw.bindMemory(to: T.self, capacity: capacity)
    }

    @inline(__always) public func value(_ p: Parameter) -> UnsafeMutablePointer<T> { values + p.offset }
    @inline(__always) public func grad(_ p: Parameter) -> UnsafeMutablePointer<T> { grads + p.offset }

    public func entry(named name: String) -> Entry? { indexByName[name].map { entries[$0] } }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public func zeroGrads() { grads.update(repeating: 0, count: count) }

    /// The values of one parameter as a tensor (a copy).
    public func tensor(_ name: String) -> Tensor<T>? {
        guard let e = entry(named: name) else { return nil }
        var t = Tensor<T>(uninitialized: e.shape)
        t.withUnsafeMutablePointer { $0.update(from: values + e.offset, count: e.count) }
        return t
    }

    /// Global L2 norm of the gradients, accumulated in Double.
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func gradNorm() -> Double {
        var s = 0.0
        for i in 0..<count { let g = Double(grads[i]); s += g * g }
        return s.squareRoot()
    }
}

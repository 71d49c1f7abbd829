// Strict loading and saving of a ParameterStore as safetensors: every parameter must be present with
// its exact shape, and the file must hold nothing else (mlx-swift VerifyUpdate semantics).

extension ParameterStore {
    /// Adds every parameter to `writer` as `prefix + name`.
    public func save(into writer: inout SafeTensorsWriter, prefix: String = "", dtype: SafeTensorsDType = .f32, from base: UnsafeMutablePointer<T>? = nil) {
        let source = base ?? values
        for e in entries {
            writer.add(prefix + e.name, shape: e.shape, values: UnsafeBufferPointer(start: source + e.offset, count: e.count), dtype: dtype)
        }
    }

    /// Loads every parameter from `file` (keys `prefix + name`). Missing, mis-shaped or (with `allowUnused`
    /// false) unused tensors are errors naming the tensor. `into` redirects to another buffer of `count` values.
    /// Parameters for which `skipping` is true are not read and keep their values (layers the file predates).
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func load(from file: SafeTensors, prefix: String = "", allowUnused: Bool = false, into base: UnsafeMutablePointer<T>? = nil,
                     skipping: (String) -> Bool = { _ in false }) throws {
        let target = base ?? values
        for e in entries where !skipping(e.name) {
            guard let info = file.info(prefix + e.name) else {
                throw SafeTensorsError("missing tensor '\(prefix + e.name)' (expected shape \(e.shape))")
            }
            guard info.shape == e.shape else {
                throw SafeTensorsError("tensor '\(prefix + e.name)' has shape \(info.shape), expected \(e.shape)")
            }
            let (_, v) = try file.floats(prefix + e.name)
            for i in 0..<e.count { target[e.offset + i] = T(v[i]) }
        }
        if !allowUnused {
            let known = Set(entries.map { prefix + $0.name })
            if let extra = file.names.first(where: { $0.hasPrefix(prefix) && !known.contains($0) }) {
                throw SafeTensorsError("unused tensor '\(extra)' in the file (the model has no parameter of that name)")
            }
        }
    }
}

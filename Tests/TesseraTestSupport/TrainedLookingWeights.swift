// Deterministic offsets that move every parameter off its initial value, as if trained: a new model
// starts with zero gates and zero-initialised layers, so a test of what a model computes (an
// upgrade that must keep it, a measurement that must see it) needs weights that are not all zero there.
import TesseraEngine

/// Adds (i * 7919 mod 13 - 6) / 60 to parameter value i of `store`.
public func offsetAsIfTrained(_ store: ParameterStore<Float>) {
    for i in 0..<store.count { store.values[i] += Float((i * 7919) % 13 - 6) / 60 }
}

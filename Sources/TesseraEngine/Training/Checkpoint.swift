// Training checkpoints: weights, EMA weights, AdamW moments, step, RNG state and the config, in one
// safetensors file written atomically (temp file + rename). Keys: "model.<name>", "ema.<name>",
// "adam_m.<name>", "adam_v.<name>"; metadata: format, step, rng, config (JSON).
import Foundation

public struct TrainingState: Equatable, Sendable {
    public var step: Int
    public var rng: RandomGenerator
    public var config: String
    public init(step: Int, rng: RandomGenerator, config: String) {
        self.step = step; self.rng = rng; self.config = config
    }
}

public enum Checkpoint {
    public static let format = "tessera-checkpoint-v1"

    public static func save<T: TensorScalar>(to path: String, store: ParameterStore<T>, optimizer: AdamW<T>,
                                             ema: EMAWeights<T>?, state: TrainingState) throws {
        var w = SafeTensorsWriter()
        store.save(into: &w, prefix: "model.")
        if let ema { store.save(into: &w, prefix: "ema.", from: ema.values) }
        store.save(into: &w, prefix: "adam_m.", from: optimizer.m)
        store.save(into: &w, prefix: "adam_v.", from: optimizer.v)
        let rngJSON = try CanonicalJSON.string(state.rng)
        w.metadata = ["format": format, "step": String(state.step), "optimizer_step": String(optimizer.step),
                      "rng": rngJSON, "config": state.config]
        try w.write(to: path)
    }

    /// Restores everything saved by `save`; the store must have the same parameters.
    public static func load<T: TensorScalar>(from path: String, store: ParameterStore<T>, optimizer: AdamW<T>,
                                             ema: EMAWeights<T>?) throws -> TrainingState {
        let file = try SafeTensors.read(path: path)
        guard file.metadata["format"] == format else {
            throw SafeTensorsError("\(path) is not a Tessera checkpoint (format '\(file.metadata["format"] ?? "none")', expected '\(format)')")
        }
        guard let step = file.metadata["step"].flatMap(Int.init), let optStep = file.metadata["optimizer_step"].flatMap(Int.init),
              let rngText = file.metadata["rng"], let rng = try? JSONDecoder().decode(RandomGenerator.self, from: Data(rngText.utf8)),
              let config = file.metadata["config"] else {
            throw SafeTensorsError("\(path): checkpoint metadata is incomplete (needs step, optimizer_step, rng, config)")
        }
        try store.load(from: file, prefix: "model.")
        if let ema { try store.load(from: file, prefix: "ema.", into: ema.values) }
        let m = UnsafeMutablePointer<T>.allocate(capacity: max(1, store.count))
        let v = UnsafeMutablePointer<T>.allocate(capacity: max(1, store.count))
        defer { m.deallocate(); v.deallocate() }
        try store.load(from: file, prefix: "adam_m.", into: m)
        try store.load(from: file, prefix: "adam_v.", into: v)
        optimizer.restore(step: optStep, m: (0..<store.count).map { Float(m[$0]) }, v: (0..<store.count).map { Float(v[$0]) })
        return TrainingState(step: step, rng: rng, config: config)
    }
}

// Training checkpoints: resuming from a checkpoint reproduces the uninterrupted run bit for bit
// (weights, EMA, Adam moments, step and RNG all restored), files are replaced atomically, and
// mismatched or foreign files fail with errors naming the problem.
import Foundation
import XCTest
import TesseraEngine

/// A tiny MLP regression trained with AdamW + EMA + clipping; batches come from the caller's RNG.
final class TinyTrainer {
    static let batch = 8, inputs = 4, hidden = 16
    let store: ParameterStore<Float>
    let fc1: Linear<Float>, act = GELU<Float>(), fc2: Linear<Float>
    let optimizer: AdamW<Float>
    let ema: EMAWeights<Float>
    let schedule = LearningRateSchedule(peak: 2e-2, floor: 1e-3, warmupSteps: 3, totalSteps: 40)

    init(seed: UInt64, outputs: Int = 2, extraLayer: Bool = false) {
        store = ParameterStore<Float>(seed: seed)
        fc1 = Linear(store, "fc1", in: Self.inputs, out: Self.hidden)
        fc2 = Linear(store, "fc2", in: Self.hidden, out: outputs)
        if extraLayer { _ = Linear(store, "fc3", in: outputs, out: outputs) }
        optimizer = AdamW(store, weightDecay: 0.01)
        ema = EMAWeights(store, decay: 0.9)
    }

    /// One training step at 0-based `step`; returns the batch loss (mean squared error).
    func train(step: Int, rng: inout RandomGenerator) -> Float {
        let n = Self.batch
        var x = [Float](), target = [Float]()
        for _ in 0..<n {
            let v = (0..<Self.inputs).map { _ in Float(rng.normal()) }
            x += v
            target += [v[0] - 2 * v[1] + 0.5 * v[2] * v[3], tanh(v[0] + v[3])]
        }
        store.zeroGrads()
        let y = fc2.forward(act.forward(fc1.forward(Tensor(shape: [n, Self.inputs], values: x))))
        let out = y.scalars
        var loss: Float = 0
        var dy = [Float](repeating: 0, count: out.count)
        for i in 0..<out.count {
            let d = out[i] - target[i]
            loss += d * d / Float(out.count)
            dy[i] = 2 * d / Float(out.count)
        }
        _ = fc1.backward(act.backward(fc2.backward(Tensor(shape: y.shape, values: dy))))
        GradientClipping.clip(store, maxNorm: 1.0)
        optimizer.update(lr: schedule.rate(at: step))
        ema.update()
        return loss
    }

    /// Every number the run depends on: weights, EMA, both Adam moments.
    func snapshot() -> [UInt32] {
        let n = store.count
        return (0..<n).map { store.values[$0].bitPattern } + (0..<n).map { ema.values[$0].bitPattern }
            + (0..<n).map { optimizer.m[$0].bitPattern } + (0..<n).map { optimizer.v[$0].bitPattern }
    }

    var config: String {
        String(decoding: try! JSONEncoder().encode(schedule), as: UTF8.self)
    }
}

final class CheckpointTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("ckpt-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    /// A seed and stream above 2^53, so a lossy JSON round trip of the RNG state would show.
    static let dataRNG = RandomGenerator(seed: 0xDEAD_BEEF_CAFE_F00D, stream: 0x9E37_79B9_7F4A_7C15)

    func testResumeIsBitIdentical() throws {
        let path = dir.appendingPathComponent("run.safetensors").path
        let first = 5, more = 7

        // Uninterrupted run, saving a checkpoint after `first` steps.
        let a = TinyTrainer(seed: 1)
        var rng = Self.dataRNG
        var warmupLosses: [Float] = []
        for step in 0..<first { warmupLosses.append(a.train(step: step, rng: &rng)) }
        let savedRNG = rng
        let savedSnapshot = a.snapshot()
        try Checkpoint.save(to: path, store: a.store, optimizer: a.optimizer, ema: a.ema,
                            state: TrainingState(step: first, rng: rng, config: a.config))
        var expected: [Float] = []
        for step in first..<(first + more) { expected.append(a.train(step: step, rng: &rng)) }
        let expectedFinal = a.snapshot()

        // Fresh model with different initial weights, restored from the checkpoint.
        let b = TinyTrainer(seed: 2)
        XCTAssertNotEqual(b.snapshot(), savedSnapshot)
        let state = try Checkpoint.load(from: path, store: b.store, optimizer: b.optimizer, ema: b.ema)
        XCTAssertEqual(state.step, first)
        XCTAssertEqual(state.rng, savedRNG)
        XCTAssertEqual(state.config, a.config)
        XCTAssertEqual(b.optimizer.step, first)
        XCTAssertEqual(b.snapshot(), savedSnapshot, "restored weights, EMA and moments differ from the saved ones")
        var resumedRNG = state.rng
        var resumed: [Float] = []
        for step in state.step..<(state.step + more) { resumed.append(b.train(step: step, rng: &resumedRNG)) }
        XCTAssertEqual(resumed.map(\.bitPattern), expected.map(\.bitPattern), "loss curves differ: \(resumed) vs \(expected)")
        XCTAssertEqual(b.snapshot(), expectedFinal, "final weights differ after resuming")
        XCTAssertEqual(resumedRNG, rng)

        // The restored RNG matters: continuing with a fresh RNG gives a different curve.
        let c = TinyTrainer(seed: 3)
        _ = try Checkpoint.load(from: path, store: c.store, optimizer: c.optimizer, ema: c.ema)
        var wrongRNG = Self.dataRNG
        let wrong = (first..<(first + more)).map { c.train(step: $0, rng: &wrongRNG) }
        XCTAssertNotEqual(wrong.map(\.bitPattern), expected.map(\.bitPattern))

        // And training does learn something.
        XCTAssertLessThan(expected.suffix(3).reduce(0, +), warmupLosses.prefix(3).reduce(0, +))
    }

    func testCheckpointIsWrittenAtomicallyAndCanBeOverwritten() throws {
        let path = dir.appendingPathComponent("latest.safetensors").path
        let t = TinyTrainer(seed: 4)
        var rng = Self.dataRNG
        _ = t.train(step: 0, rng: &rng)
        try Checkpoint.save(to: path, store: t.store, optimizer: t.optimizer, ema: t.ema,
                            state: TrainingState(step: 1, rng: rng, config: "first"))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["latest.safetensors"])
        for step in 1..<4 { _ = t.train(step: step, rng: &rng) }
        try Checkpoint.save(to: path, store: t.store, optimizer: t.optimizer, ema: t.ema,
                            state: TrainingState(step: 4, rng: rng, config: "second"))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["latest.safetensors"],
                       "temporary or backup files left beside the checkpoint")

        let u = TinyTrainer(seed: 5)
        let state = try Checkpoint.load(from: path, store: u.store, optimizer: u.optimizer, ema: u.ema)
        XCTAssertEqual(state, TrainingState(step: 4, rng: rng, config: "second"))
        XCTAssertEqual(u.snapshot(), t.snapshot())

        // The file describes itself.
        let file = try SafeTensors.read(path: path)
        XCTAssertEqual(file.metadata["format"], Checkpoint.format)
        XCTAssertEqual(file.metadata["step"], "4")
        XCTAssertEqual(Set(file.names), Set(["model.", "ema.", "adam_m.", "adam_v."].flatMap { p in
            ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"].map { p + $0 } }))

        // Saving into a folder that does not exist yet creates it.
        let nested = dir.appendingPathComponent("a/b/ckpt.safetensors").path
        try Checkpoint.save(to: nested, store: t.store, optimizer: t.optimizer, ema: nil,
                            state: TrainingState(step: 4, rng: rng, config: ""))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("a/b").path), ["ckpt.safetensors"])
        // Saved without EMA: loading without EMA works, asking for EMA names the missing tensor.
        let v = TinyTrainer(seed: 6)
        XCTAssertEqual(try Checkpoint.load(from: nested, store: v.store, optimizer: v.optimizer, ema: nil).step, 4)
        assertLoadFails(nested, into: TinyTrainer(seed: 7), ["missing", "'ema.fc1.weight'"])
    }

    private func assertLoadFails(_ path: String, into t: TinyTrainer, _ fragments: [String], line: UInt = #line) {
        XCTAssertThrowsError(try Checkpoint.load(from: path, store: t.store, optimizer: t.optimizer, ema: t.ema), line: line) { e in
            guard let e = e as? SafeTensorsError else { return XCTFail("wrong error type \(type(of: e)): \(e)", line: line) }
            XCTAssertFalse(e.message.contains(where: \.isNewline), e.message, line: line)
            for f in fragments { XCTAssertTrue(e.message.contains(f), "'\(e.message)' lacks '\(f)'", line: line) }
        }
    }

    func testLoadingIntoDifferentParametersNamesTheTensor() throws {
        let path = dir.appendingPathComponent("ckpt.safetensors").path
        let t = TinyTrainer(seed: 8)
        var rng = Self.dataRNG
        _ = t.train(step: 0, rng: &rng)
        try Checkpoint.save(to: path, store: t.store, optimizer: t.optimizer, ema: t.ema,
                            state: TrainingState(step: 1, rng: rng, config: "{}"))
        assertLoadFails(path, into: TinyTrainer(seed: 9, outputs: 3), ["'model.fc2.weight'", "[2, 16]", "[3, 16]"])
        assertLoadFails(path, into: TinyTrainer(seed: 9, extraLayer: true), ["missing", "'model.fc3.weight'"])

        // A model lacking fc2: the checkpoint's fc2 tensors are unused.
        let small = ParameterStore<Float>(seed: 1)
        _ = Linear(small, "fc1", in: TinyTrainer.inputs, out: TinyTrainer.hidden)
        XCTAssertThrowsError(try Checkpoint.load(from: path, store: small, optimizer: AdamW(small), ema: EMAWeights(small))) { e in
            XCTAssertTrue("\(e)".contains("unused") && "\(e)".contains("'model.fc2."), "\(e)")
        }
        // A matching model still loads.
        XCTAssertNoThrow(try Checkpoint.load(from: path, store: TinyTrainer(seed: 10).store, optimizer: TinyTrainer(seed: 10).optimizer, ema: nil))
    }

    func testLoadingAForeignFileFailsClearly() throws {
        let t = TinyTrainer(seed: 11)

        // Plain model weights are valid safetensors but not a checkpoint.
        let weights = dir.appendingPathComponent("weights.safetensors").path
        var w = SafeTensorsWriter()
        t.store.save(into: &w)
        try w.write(to: weights)
        assertLoadFails(weights, into: t, ["not a Tessera checkpoint", weights, "'none'", Checkpoint.format])

        // A checkpoint of some other format version.
        let old = dir.appendingPathComponent("old.safetensors").path
        var o = SafeTensorsWriter()
        t.store.save(into: &o, prefix: "model.")
        o.metadata = ["format": "tessera-checkpoint-v0"]
        try o.write(to: old)
        assertLoadFails(old, into: t, ["'tessera-checkpoint-v0'", Checkpoint.format])

        // Right format, incomplete metadata (no rng) and unreadable rng.
        let partial = dir.appendingPathComponent("partial.safetensors").path
        var p = SafeTensorsWriter()
        t.store.save(into: &p, prefix: "model.")
        p.metadata = ["format": Checkpoint.format, "step": "3", "optimizer_step": "3", "config": ""]
        try p.write(to: partial)
        assertLoadFails(partial, into: t, ["incomplete", "rng"])
        p.metadata["rng"] = "{\"seed\": \"x\"}"
        try p.write(to: partial)
        assertLoadFails(partial, into: t, ["incomplete"])

        // Not safetensors at all, and no file.
        let junk = dir.appendingPathComponent("junk.bin").path
        XCTAssertTrue(FileManager.default.createFile(atPath: junk, contents: Data("hello, this is not a checkpoint".utf8)))
        assertLoadFails(junk, into: t, [junk, "header length"])
        let absent = dir.appendingPathComponent("absent.safetensors").path
        assertLoadFails(absent, into: t, [absent])
    }
}

import XCTest
import TesseraEngine
import TesseraTestSupport
import TesseraTransformer
import TesseraWorld

/// What the tests of adding a layout part at zero share: a tiny model with `config`, made to look
/// trained (zero-initialised layers would hide a wrong upgrade), one token grid, one input.
struct LayoutUpgradeProbe {
    static let layout = TokenLayout(frames: 3, rows: 2, columns: 3, latentHeight: 3, latentWidth: 5)
    let model: DiffusionTransformer<Float>
    let x: Tensor<Float>
    let ids = [[3, 5, 1, 0, 0, 0, 0, 0]]

    /// `config` is DiTConfig.tiny (11 words) with the given parts on.
    init(parts: [WritableKeyPath<DiTConfig, Bool>]) {
        var config = DiTConfig.tiny
        config.vocabularySize = 11
        for part in parts { config[keyPath: part] = true }
        model = DiffusionTransformer<Float>(config: config, seed: 7)
        offsetAsIfTrained(model.store)   // the layout layer too
        let n = Self.layout.tokens * config.tokenWidth
        x = Tensor(shape: [1, Self.layout.tokens, config.tokenWidth], values: randomValues(n, seed: 4).map { Float($0) })
    }

    /// `scene`'s plan as `config`'s model takes it.
    func plan(_ scene: Scene, for config: DiTConfig) -> Tensor<Float> {
        ObjectLayout.features(scenes: [scene], layout: Self.layout, for: config)
    }

    /// The output of `model` (this probe's, or an upgrade of it) at noise level 0.8 with `plan`.
    func output(of model: DiffusionTransformer<Float>, plan: Tensor<Float>) -> [Float] {
        model.forward(x, layout: Self.layout, t: [0.8], text: ids, objects: plan).scalars
    }

    /// Adds `part` to this probe's model at zero and checks what every such addition must keep: it adds
    /// `features` columns to `layout_embedder` and, with `scene`'s wider plan, computes the same function
    /// (to rounding: the wider product adds its zero terms in another order).
    func addAtZero(_ part: WritableKeyPath<DiTConfig, Bool>, features: Int, scene: Scene, file: StaticString = #filePath, line: UInt = #line)
        -> (model: DiffusionTransformer<Float>, config: DiTConfig, plan: Tensor<Float>, before: [Float]) {
        var config = model.config
        config[keyPath: part] = true
        let upgraded = model.upgraded(to: config)
        XCTAssertEqual(upgraded.parameterCount, model.parameterCount + features * model.config.width, file: file, line: line)
        let before = output(of: model, plan: plan(scene, for: model.config))
        let wider = plan(scene, for: config)
        XCTAssertEqual(wider.shape, [1, Self.layout.tokens, ObjectLayout.width(for: config)], file: file, line: line)
        for (a, b) in zip(output(of: upgraded, plan: wider), before) { XCTAssertEqual(a, b, accuracy: 1e-5, file: file, line: line) }
        return (upgraded, config, wider, before)
    }
}

// `tessera train dit` end to end on a tiny autoencoder: train, resume, ship, load; bad input fails cleanly.
import XCTest
import TesseraTestSupport
import Foundation
import TesseraAutoencoder
import TesseraCommands
import TesseraEngine
import TesseraMedia
import TesseraTransformer

final class TrainDiTCommandTests: XCTestCase {
    func testTrainResumeShipAndErrors() throws {
        let dir = temporaryFolder("dit")
        let vae = VideoAutoencoder(config: .tiny, seed: 1)
        try vae.saveWeights(to: dir + "/vae.safetensors")
        let base = ["train", "dit", "--vae", dir + "/vae.safetensors", "--token-budget", "48", "--checkpoint", dir + "/dit.ckpt.safetensors"]
        let common = base + ["--preset", "compact", "--attention", "factorized"]
        XCTAssertEqual(Tessera.main(common + ["--steps", "2", "--curriculum", "1"]), 0)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/dit.ckpt.safetensors"))
        XCTAssertEqual(Tessera.main(common + ["--steps", "3", "--resume", "--ship", dir + "/dit.safetensors"]), 0)
        let (model, tokenizer) = try DiffusionTransformer<Float>.load(path: dir + "/dit.safetensors")
        XCTAssertEqual(model.config.attention, .factorized)
        XCTAssertEqual(model.config.latentChannels, 4)
        XCTAssertEqual(model.config.vocabularySize, tokenizer.vocabularySize)
        let meta = try SafeTensors.read(path: dir + "/dit.safetensors").metadata
        XCTAssertEqual(meta["step"], "3")
        XCTAssertNotNil(meta["latent_preview"])
        // A later session continues from the shipped file: its config, tokenizer and step count.
        let again = ["train", "dit", "--vae", dir + "/vae.safetensors", "--token-budget", "48", "--checkpoint", dir + "/dit2.ckpt.safetensors",
                     "--init", dir + "/dit.safetensors"]
        XCTAssertEqual(Tessera.main(again + ["--steps", "5", "--ship", dir + "/dit2.safetensors"]), 0)
        XCTAssertEqual(try SafeTensors.read(path: dir + "/dit2.safetensors").metadata["step"], "5")
        XCTAssertEqual(try DiffusionTransformer<Float>.load(path: dir + "/dit2.safetensors").model.config.attention, .factorized)
        XCTAssertEqual(Tessera.main(again + ["--steps", "6", "--resume"]), 2, "--init with --resume")
        // Absolute positions added to a loaded model; a resume without model options takes the
        // checkpoint's model (here one with absolute positions, which the default preset lacks).
        let upgraded = ["train", "dit", "--vae", dir + "/vae.safetensors", "--token-budget", "48", "--checkpoint", dir + "/dit3.ckpt.safetensors"]
        XCTAssertEqual(Tessera.main(upgraded + ["--init", dir + "/dit.safetensors", "--absolute-position", "--steps", "5"]), 0)
        XCTAssertEqual(Tessera.main(upgraded + ["--resume", "--steps", "6", "--high-noise-share", "0.5", "--ship", dir + "/dit3.safetensors"]), 0)
        let positioned = try DiffusionTransformer<Float>.load(path: dir + "/dit3.safetensors").model
        XCTAssertTrue(positioned.config.absolutePosition)
        XCTAssertEqual(positioned.config.attention, .factorized)
        XCTAssertNotNil(positioned.store.entry(named: "pos_embedder.weight"))
        XCTAssertEqual(try SafeTensors.read(path: dir + "/dit3.safetensors").metadata["step"], "6")
        XCTAssertEqual(Tessera.main(upgraded + ["--resume", "--steps", "7", "--high-noise-share", "2"]), 2, "share outside 0...1")
        // A loaded model grown by two blocks, trained with the high-noise share from 0.8, resumed with its depth.
        let grownRun = ["train", "dit", "--vae", dir + "/vae.safetensors", "--token-budget", "48", "--checkpoint", dir + "/dit4.ckpt.safetensors"]
        XCTAssertEqual(Tessera.main(grownRun + ["--init", dir + "/dit3.safetensors", "--depth", "\(positioned.config.depth + 2)", "--steps", "7",
                                                "--high-noise-from", "0.8"]), 0)
        XCTAssertEqual(Tessera.main(grownRun + ["--resume", "--steps", "8", "--ship", dir + "/dit4.safetensors"]), 0)
        let grown = try DiffusionTransformer<Float>.load(path: dir + "/dit4.safetensors").model
        XCTAssertEqual(grown.config.depth, positioned.config.depth + 2)
        XCTAssertTrue(grown.config.absolutePosition)
        XCTAssertEqual(Tessera.main(grownRun + ["--init", dir + "/dit3.safetensors", "--depth", "1", "--steps", "9"]), 2, "fewer blocks")
        XCTAssertEqual(Tessera.main(base + ["--depth", "9", "--steps", "1"]), 2, "--depth without --init")
        XCTAssertEqual(Tessera.main(grownRun + ["--resume", "--steps", "9", "--high-noise-from", "1"]), 2, "floor outside 0...0.99")
        XCTAssertEqual(Tessera.main(again + ["--steps", "6", "--preset", "small"]), 1, "--init with another preset")
        // Frame context added to a loaded model, trained with a context share, resumed with it.
        let contextRun = ["train", "dit", "--vae", dir + "/vae.safetensors", "--token-budget", "48", "--checkpoint", dir + "/dit5.ckpt.safetensors"]
        XCTAssertEqual(Tessera.main(contextRun + ["--init", dir + "/dit3.safetensors", "--frame-context", "--context-share", "1", "--steps", "8"]), 0)
        XCTAssertEqual(Tessera.main(contextRun + ["--resume", "--steps", "9", "--context-share", "0.8", "--ship", dir + "/dit5.safetensors"]), 0)
        let contextual = try DiffusionTransformer<Float>.load(path: dir + "/dit5.safetensors").model
        XCTAssertTrue(contextual.config.frameContext)
        XCTAssertTrue(contextual.config.absolutePosition)
        XCTAssertNotNil(contextual.store.entry(named: "context_embedding"))
        XCTAssertEqual(Tessera.main(contextRun + ["--resume", "--steps", "10", "--context-share", "1.5"]), 2, "share outside 0...1")
        XCTAssertEqual(Tessera.main(contextRun + ["--resume", "--steps", "10", "--large-image-share", "0.7", "--medium-clip-share", "0.4"]), 2,
                       "bucket shares adding up to more than 1")
        XCTAssertEqual(Tessera.main(contextRun + ["--resume", "--steps", "10", "--large-image-share", "-0.1"]), 2)
        // Preview-size 4 s clips only (with context), as run 11 trained them; a share outside 0...1 is refused.
        XCTAssertEqual(Tessera.main(contextRun + ["--resume", "--steps", "11", "--large-image-share", "0", "--medium-clip-share", "0",
                                                  "--long-clip-share", "1", "--context-share", "1"]), 0)
        XCTAssertEqual(Tessera.main(contextRun + ["--resume", "--steps", "12", "--long-clip-share", "1.2"]), 2, "share outside 0...1")
        // Large images trained as the render's refinement of their upscaled preview.
        XCTAssertEqual(Tessera.main(contextRun + ["--resume", "--steps", "12", "--large-image-share", "1", "--medium-clip-share", "0", "--refine-share", "1"]), 0)
        // Medium clips, with clean context frames, trained as the refinement of their upscaled quarter-size render.
        XCTAssertEqual(Tessera.main(contextRun + ["--resume", "--steps", "13", "--large-image-share", "0", "--medium-clip-share", "1",
                                                  "--refine-share", "1", "--context-share", "1"]), 0)
        XCTAssertEqual(Tessera.main(contextRun + ["--resume", "--steps", "14", "--refine-share", "1.5"]), 2, "share outside 0...1")
        // A refinement embedding added to a loaded model; renders with it mark their refinement steps.
        let markRun = ["train", "dit", "--vae", dir + "/vae.safetensors", "--token-budget", "48", "--checkpoint", dir + "/dit6.ckpt.safetensors"]
        XCTAssertEqual(Tessera.main(markRun + ["--init", dir + "/dit5.safetensors", "--refinement-embedding", "--steps", "10",
                                               "--large-image-share", "1", "--medium-clip-share", "0", "--refine-share", "1", "--ship", dir + "/dit6.safetensors"]), 0)
        let marking = try DiffusionTransformer<Float>.load(path: dir + "/dit6.safetensors").model
        XCTAssertTrue(marking.config.refinementEmbedding && marking.config.frameContext)
        XCTAssertNotEqual(marking.store.values[marking.store.entry(named: "refinement_embedding")!.offset], 0, "the mark was trained")
        XCTAssertEqual(Tessera.main(["generate", "--prompt", "red ball", "--size", "64x32", "--steps", "2", "--duration", "0.5",
                                     "--weights", dir + "/dit6.safetensors", "--vae", dir + "/vae.safetensors", "--out", dir + "/mark.y4m"]), 0)
        // Absolute frame times added to a loaded frame-context model, trained, resumed, and generating.
        let timeRun = ["train", "dit", "--vae", dir + "/vae.safetensors", "--token-budget", "48", "--checkpoint", dir + "/dit7.ckpt.safetensors"]
        XCTAssertEqual(Tessera.main(timeRun + ["--init", dir + "/dit5.safetensors", "--absolute-time", "--context-share", "1", "--steps", "10"]), 0)
        XCTAssertEqual(Tessera.main(timeRun + ["--resume", "--steps", "11", "--lr-scale", "time_embedder=10,pos_embedder=1", "--ship", dir + "/dit7.safetensors"]), 0)
        XCTAssertEqual(Tessera.main(timeRun + ["--resume", "--steps", "12", "--lr-scale", "time_embedder"]), 2, "no =X")
        XCTAssertEqual(Tessera.main(timeRun + ["--resume", "--steps", "12", "--lr-scale", "time_embedder=-1"]), 2, "negative scale")
        XCTAssertEqual(Tessera.main(timeRun + ["--resume", "--steps", "12", "--lr-scale", "no_such_layer=2"]), 2, "no such parameter")
        let timed = try DiffusionTransformer<Float>.load(path: dir + "/dit7.safetensors").model
        XCTAssertTrue(timed.config.absoluteTime && timed.config.frameContext && timed.config.absolutePosition)
        let timeWeights = timed.store.entry(named: "time_embedder.weight")!
        XCTAssertTrue((0..<timeWeights.count).contains { timed.store.values[timeWeights.offset + $0] != 0 }, "the time layer was trained")
        XCTAssertEqual(Tessera.main(["generate", "--prompt", "red ball", "--size", "64x32", "--steps", "2", "--duration", "1",
                                     "--weights", dir + "/dit7.safetensors", "--vae", dir + "/vae.safetensors", "--out", dir + "/timed.y4m"]), 0)
        XCTAssertEqual(try MediaReader.read(dir + "/timed.y4m").frameCount, 13)
        // The object layout added to a loaded model, trained on world scenes (and refused a bad dropout),
        // then generating with its plan and without (`--layout off`), and a bad --layout refused.
        let layoutRun = ["train", "dit", "--vae", dir + "/vae.safetensors", "--token-budget", "48", "--checkpoint", dir + "/dit8.ckpt.safetensors"]
        XCTAssertEqual(Tessera.main(layoutRun + ["--init", dir + "/dit7.safetensors", "--object-layout", "--steps", "12", "--layout-dropout", "1.5"]), 2)
        XCTAssertEqual(Tessera.main(layoutRun + ["--init", dir + "/dit7.safetensors", "--object-layout", "--steps", "40", "--layout-dropout", "0.2",
                                                 "--lr-scale", "layout_embedder=300", "--ship", dir + "/dit8.safetensors"]), 0)
        let planned = try DiffusionTransformer<Float>.load(path: dir + "/dit8.safetensors").model
        XCTAssertTrue(planned.config.objectLayout && planned.config.absoluteTime)
        let layoutWeights = planned.store.entry(named: "layout_embedder.weight")!
        XCTAssertTrue((0..<layoutWeights.count).contains { planned.store.values[layoutWeights.offset + $0] != 0 }, "the layout layer was trained")
        let layoutClip = ["generate", "--prompt", "red ball moving left", "--size", "64x32", "--steps", "2", "--duration", "1",
                          "--weights", dir + "/dit8.safetensors", "--vae", dir + "/vae.safetensors"]
        XCTAssertEqual(Tessera.main(layoutClip + ["--out", dir + "/plan-on.y4m"]), 0)
        XCTAssertEqual(Tessera.main(layoutClip + ["--layout", "off", "--out", dir + "/plan-off.y4m"]), 0)
        XCTAssertTrue(try MediaReader.read(dir + "/plan-on.y4m").pixels != MediaReader.read(dir + "/plan-off.y4m").pixels, "the plan changes the video")
        XCTAssertEqual(Tessera.main(layoutClip + ["--layout", "maybe", "--out", dir + "/plan-bad.y4m"]), 2)
        // Presence added to the layout model, and refused without a layout.
        XCTAssertEqual(Tessera.main(layoutRun + ["--init", dir + "/dit7.safetensors", "--object-presence", "--steps", "50"]), 2)
        let presenceRun = ["train", "dit", "--vae", dir + "/vae.safetensors", "--token-budget", "48", "--checkpoint", dir + "/dit9.ckpt.safetensors"]
        XCTAssertEqual(Tessera.main(presenceRun + ["--init", dir + "/dit8.safetensors", "--object-presence", "--steps", "45", "--ship", dir + "/dit9.safetensors"]), 0)
        XCTAssertTrue(try DiffusionTransformer<Float>.load(path: dir + "/dit9.safetensors").model.config.objectPresence)
        XCTAssertEqual(Tessera.main(["generate", "--prompt", "red ball moving left", "--size", "64x32", "--steps", "2", "--duration", "1",
                                     "--weights", dir + "/dit9.safetensors", "--vae", dir + "/vae.safetensors", "--out", dir + "/present.y4m"]), 0)
        // Silhouettes added to the presence model (refused to the layout-only model), trained, and generating.
        XCTAssertEqual(Tessera.main(presenceRun + ["--init", dir + "/dit8.safetensors", "--object-silhouette", "--steps", "50"]), 2)
        XCTAssertEqual(Tessera.main(presenceRun + ["--init", dir + "/dit9.safetensors", "--object-silhouette", "--steps", "50",
                                                   "--lr-scale", "layout_embedder=300", "--ship", dir + "/dit10.safetensors"]), 0)
        let outlined = try DiffusionTransformer<Float>.load(path: dir + "/dit10.safetensors").model
        XCTAssertTrue(outlined.config.objectSilhouette && outlined.config.objectPresence)
        let outlineWeights = outlined.store.entry(named: "layout_embedder.weight")!
        let silhouetteColumns = (ObjectLayout.width(presence: true)..<ObjectLayout.width(presence: true, silhouette: true))
        XCTAssertTrue((0..<outlined.config.width).contains { r in silhouetteColumns.contains { outlined.store.values[outlineWeights.offset + r * outlineWeights.shape[1] + $0] != 0 } },
                      "the silhouette columns were trained")
        XCTAssertEqual(Tessera.main(["generate", "--prompt", "red star moving left", "--size", "64x32", "--steps", "2", "--duration", "1",
                                     "--weights", dir + "/dit10.safetensors", "--vae", dir + "/vae.safetensors", "--out", dir + "/outlined.y4m"]), 0)
        XCTAssertEqual(try MediaReader.read(dir + "/outlined.y4m").frameCount, 13)
        // In-between silhouettes added to the silhouette model (refused to the presence model), trained, and generating.
        let subframeRun = ["train", "dit", "--vae", dir + "/vae.safetensors", "--token-budget", "48", "--checkpoint", dir + "/dit11.ckpt.safetensors"]
        XCTAssertEqual(Tessera.main(subframeRun + ["--init", dir + "/dit9.safetensors", "--object-subframes", "--steps", "50"]), 2)
        // `--init` keeps the step count (dit10 is at step 50): 40 more steps, half of them 4 s clips.
        XCTAssertEqual(Tessera.main(subframeRun + ["--init", dir + "/dit10.safetensors", "--object-subframes", "--steps", "90", "--long-clip-share", "1",
                                                   "--lr-scale", "layout_embedder=300", "--ship", dir + "/dit11.safetensors"]), 0)
        let between = try DiffusionTransformer<Float>.load(path: dir + "/dit11.safetensors").model
        XCTAssertTrue(between.config.objectSubframes && between.config.objectSilhouette)
        let betweenWeights = between.store.entry(named: "layout_embedder.weight")!
        XCTAssertEqual(betweenWeights.shape[1], ObjectLayout.width(presence: true, silhouette: true, subframes: true))
        let subframeColumns = (ObjectLayout.width(presence: true, silhouette: true)..<betweenWeights.shape[1])
        XCTAssertTrue((0..<between.config.width).contains { r in subframeColumns.contains { between.store.values[betweenWeights.offset + r * betweenWeights.shape[1] + $0] != 0 } },
                      "the in-between columns were trained")
        XCTAssertEqual(Tessera.main(["generate", "--prompt", "red ball bouncing", "--size", "64x32", "--steps", "2", "--duration", "1",
                                     "--weights", dir + "/dit11.safetensors", "--vae", dir + "/vae.safetensors", "--out", dir + "/between.y4m"]), 0)
        XCTAssertEqual(try MediaReader.read(dir + "/between.y4m").frameCount, 13)
        XCTAssertEqual(Tessera.main(upgraded + ["--resume", "--steps", "10", "--context-share", "0.5"]), 2, "context share without frame context")
        let contextWeights = ["--weights", dir + "/dit5.safetensors", "--vae", dir + "/vae.safetensors"]
        let contextClip = ["generate", "--prompt", "red ball bouncing", "--size", "64x32", "--steps", "2", "--seed", "7", "--duration", "1"] + contextWeights
        XCTAssertEqual(Tessera.main(contextClip + ["--stochasticity", "0.5", "--out", dir + "/ctx.y4m"]), 0)
        XCTAssertEqual(try MediaReader.read(dir + "/ctx.y4m").frameCount, 13)
        XCTAssertEqual(Tessera.main(contextClip + ["--stochasticity", "0.5", "--sampler", "heun", "--out", dir + "/c.y4m"]), 2, "stochastic heun")
        XCTAssertEqual(Tessera.main(contextClip + ["--stochasticity", "-1", "--out", dir + "/c.y4m"]), 2)
        // Resuming with another preset fails with a message, not a crash.
        XCTAssertEqual(Tessera.main(common.map { $0 == "compact" ? "small" : $0 } + ["--steps", "4", "--resume"]), 1)
        XCTAssertEqual(Tessera.main(base + ["--attention", "diagonal"]), 2)
        XCTAssertEqual(Tessera.main(base + ["--preset", "huge"]), 2)
        XCTAssertEqual(Tessera.main(["train", "dit", "--vae", dir + "/missing.safetensors"]), 1)
        XCTAssertEqual(Tessera.main(["train", "vae", "--bogus"]), 2)

        // generate and eval with these (barely trained) weights: files, determinism, errors.
        let weights = ["--weights", dir + "/dit.safetensors", "--vae", dir + "/vae.safetensors"]
        let image = ["generate", "--prompt", "red ball bouncing", "--size", "64x32", "--steps", "2", "--seed", "7"] + weights
        let gen = image + ["--duration", "0.5"]
        XCTAssertEqual(Tessera.main(gen + ["--out", dir + "/a.y4m"]), 0)
        XCTAssertEqual(Tessera.main(gen + ["--out", dir + "/b.y4m"]), 0)
        let a = try Data(contentsOf: URL(fileURLWithPath: dir + "/a.y4m")), b = try Data(contentsOf: URL(fileURLWithPath: dir + "/b.y4m"))
        XCTAssertEqual(a, b, "same prompt, settings, seed and weights must give the same bytes")
        let video = try MediaReader.read(dir + "/a.y4m")
        XCTAssertEqual([video.width, video.height, video.frameCount], [64, 32, 7])
        XCTAssertEqual(Tessera.main(gen + ["--preview", "--out", dir + "/p.y4m"]), 0)
        XCTAssertEqual(try MediaReader.read(dir + "/p.y4m").width, 16)
        XCTAssertEqual(Tessera.main(image + ["--duration", "0", "--out", dir + "/i.png"]), 0)
        XCTAssertEqual(Tessera.main(gen + ["--out", dir + "/many.png"]), 2, "several frames into one png")
        XCTAssertEqual(Tessera.main(gen + ["--out", dir + "/x.avi"]), 2)
        XCTAssertEqual(Tessera.main(gen.map { $0 == "64x32" ? "60x32" : $0 } + ["--out", dir + "/c.y4m"]), 2)
        XCTAssertEqual(Tessera.main(gen + ["--sampler", "ddim", "--out", dir + "/c.y4m"]), 2)
        XCTAssertEqual(Tessera.main(gen + ["--refine-from", "1.5", "--out", dir + "/c.y4m"]), 2)
        XCTAssertEqual(Tessera.main(gen + ["--refine-from", "1", "--out", dir + "/r.y4m"]), 0)
        XCTAssertNotEqual(try Data(contentsOf: URL(fileURLWithPath: dir + "/r.y4m")), a,
                          "re-noising to 1 instead of 0.75 changes the full render")
        XCTAssertEqual(Tessera.main(gen + ["--refine-steps", "0", "--out", dir + "/c.y4m"]), 2)
        XCTAssertEqual(Tessera.main(gen + ["--refine-steps", "3", "--out", dir + "/rs.y4m"]), 0)
        XCTAssertNotEqual(try Data(contentsOf: URL(fileURLWithPath: dir + "/rs.y4m")), a, "3 refinement steps instead of 2 change the full render")
        XCTAssertEqual(Tessera.main(gen + ["--refine-guidance", "60", "--out", dir + "/c.y4m"]), 2)
        XCTAssertEqual(Tessera.main(gen + ["--refine-guidance", "1", "--out", dir + "/rg.y4m"]), 0)
        XCTAssertEqual(try MediaReader.read(dir + "/rg.y4m").frameCount, 7, "an unguided refinement (its effect: TextToVideoTests)")
        XCTAssertEqual(Tessera.main(["generate", "--prompt", "red ball", "--weights", dir + "/missing.safetensors", "--out", dir + "/c.y4m"]), 1)
        XCTAssertEqual(Tessera.main(["generate", "--prompt", "red ball", "--weights", dir + "/vae.safetensors", "--out", dir + "/c.y4m"]), 1,
                       "autoencoder weights given as DiT weights")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/c.y4m"))
        XCTAssertEqual(Tessera.main(["eval", "--seen", "2", "--held-out", "1", "--steps", "1", "--save", dir + "/eval"] + weights), 0)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/eval/002.mp4"))
        // Images only, full size, refining the world's own preview-size render.
        let oneImage = ["eval", "--seen", "1", "--held-out", "0", "--steps", "1", "--duration", "0"] + weights
        XCTAssertEqual(Tessera.main(oneImage + ["--full", "--world-preview", "--save", dir + "/wp"]), 0)
        XCTAssertEqual(try MediaReader.read(dir + "/wp/000.mp4").frameCount, 1)
        XCTAssertEqual(Tessera.main(oneImage + ["--world-preview"]), 2, "--world-preview without --full")
        XCTAssertEqual(Tessera.main(oneImage + ["--duration", "-1"]), 2)
        XCTAssertEqual(Tessera.main(gen + ["--chunks", "0", "--out", dir + "/c.y4m"]), 2)
        XCTAssertEqual(Tessera.main(contextClip + ["--chunks", "2", "--out", dir + "/chunks.y4m"]), 0)
        XCTAssertEqual(try MediaReader.read(dir + "/chunks.y4m").frameCount, 13)
    }
}

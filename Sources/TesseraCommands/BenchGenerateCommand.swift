// `tessera bench generate`: wall time and peak memory of a preview and of a full render (each in its
// own `tessera generate --json` process, so peak memory is its own), the transformer's GFLOP/s
// beside the GEMM peak measured in the same run, and how well each full render agrees with its
// preview (PSNR of the render, box-downscaled to the preview size, against the preview).
import Foundation
import TesseraEngine
import TesseraMedia
import TesseraSampler
import TesseraTransformer

enum BenchGenerate {
    struct Row {
        var name: String, aspect: String, preview: Bool
        var width: Int, height: Int, frames: Int
        var seconds: Double, peakRSS: Int
        var timings: [String: Double]
        var gflop: Double
        var modelGflops: Double { gflop / max(1e-9, (timings["preview"] ?? 0) + (timings["refine"] ?? 0)) }
        var path: String
    }

    static let prompt = "a large red ball bounces to the right across a green meadow"

    static func run(json: Bool, quick: Bool, weights: String?, vae: String?) throws {
        let pipeline = try TrainCommand.wrap { try TextToVideo.load(ditPath: weights, vaePath: vae) }
        let config = pipeline.model.config
        let peak = KernelBenchmarks.gemmPeak(seconds: quick ? 0.05 : 0.3)
        let dir = NSTemporaryDirectory() + "tessera-bench-generate-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let duration = quick ? "1" : "4"
        var rows: [Row] = []
        for aspect in quick ? ["16:9"] : ["16:9", "9:16", "1:1"] {
            for preview in [true, false] {
                let path = dir + "/\(aspect.replacingOccurrences(of: ":", with: "x"))-\(preview ? "preview" : "full").y4m"
                var args = ["generate", "--prompt", prompt, "--aspect", aspect, "--duration", duration, "--seed", "1", "--json", "--out", path]
                if preview { args.append("--preview") }
                if let weights { args += ["--weights", weights] }
                if let vae { args += ["--vae", vae] }
                let object = try runChild(args)
                guard let w = object["width"] as? Int, let h = object["height"] as? Int, let f = object["frames"] as? Int,
                      let seconds = object["seconds"] as? Double, let rss = object["peak_rss_bytes"] as? Int,
                      let timings = object["timings"] as? [String: Double], let steps = object["steps"] as? Int,
                      let guidance = object["guidance"] as? Double else {
                    throw CommandError("bench generate: unexpected output of `tessera generate --json`")
                }
                // Guidance 1 is one model call per step; any other scale two (conditional and null).
                func calls(_ g: Double) -> Double { g == 1 ? 1 : 2 }
                let previewSize = preview ? (w, h) : ((object["preview_width"] as? Int) ?? w, (object["preview_height"] as? Int) ?? h)
                var flops = Double(steps) * calls(guidance) * DiTBenchmarks.forwardFLOPs(config: config, layout: layout(previewSize, frames: f, pipeline))
                if !preview, let refine = object["refine_steps"] as? Int {
                    flops += Double(refine) * calls((object["refine_guidance"] as? Double) ?? guidance) * DiTBenchmarks.forwardFLOPs(config: config, layout: layout((w, h), frames: f, pipeline))
                }
                let row = Row(name: "\(preview ? "preview" : "full") \(aspect) \(w)x\(h)x\(f)", aspect: aspect, preview: preview,
                              width: w, height: h, frames: f, seconds: seconds, peakRSS: rss, timings: timings, gflop: flops / 1e9, path: path)
                rows.append(row)
                if !json { printError("  measured \(row.name): \(String(format: "%.2f", seconds)) s") }
            }
        }
        // Agreement of each full render with its preview.
        var agreement: [String: Double] = [:]
        for full in rows where !full.preview {
            guard let p = rows.first(where: { $0.preview && $0.aspect == full.aspect }) else { continue }
            let small = try MediaReader.read(p.path), big = try MediaReader.read(full.path)
            if let down = big.boxDownscaled(width: small.width, height: small.height) { agreement[full.aspect] = down.psnr(against: small) }
        }
        let hash = pipeline.modelHash, trained = pipeline.trainedSteps ?? -1
        if json {
            let object: [String: Any] = [
                "blas_core": BLAS.coreName, "threads": Parallel.workers, "gemm_peak_gflops": BenchCommand.round3(peak),
                "model_hash": hash, "trained_steps": trained, "config": config.json,
                "results": rows.map { r in
                    ["name": r.name, "aspect": r.aspect, "preview": r.preview, "width": r.width, "height": r.height, "frames": r.frames,
                     "seconds": r.seconds, "peak_rss_bytes": r.peakRSS, "timings": r.timings, "model_gflop": r.gflop,
                     "model_gflops_per_second": BenchCommand.round3(r.modelGflops),
                     "fraction_of_gemm_peak": BenchCommand.round3(r.modelGflops / max(1e-9, peak))] as [String: Any]
                },
                "preview_agreement_psnr_db": agreement,
            ]
            printOut(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
            return
        }
        var lines = ["BLAS core: \(BLAS.coreName)   threads: \(Parallel.workers)   GEMM peak: \(String(format: "%.1f", peak)) GFLOP/s   model \(hash) (step \(trained))", "",
                     "name                         seconds   sampling   decode   peak RSS MiB   model GFLOP/s   of peak"]
        for r in rows {
            let sampling = (r.timings["preview"] ?? 0) + (r.timings["refine"] ?? 0)
            lines.append(r.name.padding(toLength: 28, withPad: " ", startingAt: 0)
                         + String(format: " %7.2f %10.2f %8.2f %14d %15.1f %8.0f%%", r.seconds, sampling, r.timings["decode"] ?? 0,
                                  r.peakRSS >> 20, r.modelGflops, 100 * r.modelGflops / max(1e-9, peak)))
        }
        lines.append("")
        for (aspect, db) in agreement.sorted(by: { $0.key < $1.key }) {
            lines.append(String(format: "full render %@ downscaled vs its preview: %.2f dB PSNR", aspect, db))
        }
        printOut(lines.joined(separator: "\n"))
    }

    static func layout(_ size: (Int, Int), frames: Int, _ pipeline: TextToVideo) -> TokenLayout {
        let sf = pipeline.vae.config.spatialFactor, patch = pipeline.model.config.patch
        let hz = size.1 / sf, wz = size.0 / sf
        return TokenLayout(frames: pipeline.latentFrames(for: frames), rows: (hz + patch[0] - 1) / patch[0],
                           columns: (wz + patch[1] - 1) / patch[1], latentHeight: hz, latentWidth: wz)
    }

    static func runChild(_ args: [String]) throws -> [String: Any] {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0])
        child.arguments = args
        let pipe = Pipe()
        child.standardOutput = pipe
        try child.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        child.waitUntilExit()
        guard child.terminationStatus == 0, let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw CommandError("bench generate: `tessera \(args.prefix(8).joined(separator: " ")) ...` failed (exit \(child.terminationStatus))")
        }
        return object
    }
}

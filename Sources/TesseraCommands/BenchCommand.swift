// `tessera bench <suite>`: benchmarks printed as a table, or as one JSON object with --json.
import Foundation
import TesseraEngine
import TesseraAutoencoder
import TesseraStudio

enum BenchCommand {
    static let command = Command(
        name: "bench",
        summary: "measure speed: kernels (GEMM, attention, conv3d, layer norm, transformer block), vae, dit, generate, studio",
        help: """
        usage: tessera bench kernels [--json] [--quick] [--threads N]
               tessera bench vae [--json] [--quick]
               tessera bench dit [--json] [--quick] [--presets small,compact]
               tessera bench generate [--json] [--quick] [--weights FILE] [--vae FILE]
               tessera bench studio [--json] [--quick]

        Times the engine's kernels and reports GFLOP/s beside the GEMM peak measured in the same run,
        with the OpenBLAS core in use. Measure with OPENBLAS_CORETYPE unset (env -u OPENBLAS_CORETYPE):
        forcing Haswell halves BLAS speed on AVX-512 machines.

        `generate` times `tessera generate` (one process per row) for a 4 s preview and full render in
        16:9, 9:16 and 1:1 with the shipped (or given) weights: wall time, sampling and decode time, peak
        memory, the transformer's GFLOP/s beside the GEMM peak, and the PSNR of each full render
        (downscaled) against its preview.

        `studio` runs the studio in tmux (120x40) and reports the time from the preview key to the
        first preview frame on screen, and key-to-screen echo latency idle and while a render runs.

        options:
          --json        print one JSON object instead of a table
          --quick       fewer shapes and shorter timing (a smoke test, not a measurement)
          --threads N   worker threads (default: all cores)
          --presets P   dit: comma-separated DiT presets to time (default small)
        """,
        run: { args in
            let a = try Arguments(args, command: "bench", options: ["threads", "presets", "row", "weights", "vae"], booleanFlags: ["json", "quick"])
            guard let suite = a.positionals.first else {
                throw CommandError.usage("`tessera bench` needs a suite: kernels, vae, dit, generate or studio")
            }
            try a.expectPositionals(atMost: 1, what: "suite")
            guard ["kernels", "vae", "dit", "generate", "studio"].contains(suite) else {
                throw CommandError.usage("unknown benchmark suite '\(suite)'; accepted: kernels, vae, dit, generate, studio")
            }
            if suite == "studio" {
                try runStudio(json: a.flag("json"), quick: a.flag("quick"))
                return
            }
            Parallel.workers = try a.int("threads", default: Parallel.workers, in: 1...64)
            if let warning = BLAS.coreWarning { printError("warning: \(warning)") }
            let json = a.flag("json")
            if suite == "dit" {
                try BenchDiT.run(json: json, quick: a.flag("quick"), presets: (a.string("presets") ?? "small").split(separator: ",").map(String.init))
                return
            }
            if suite == "generate" {
                try BenchGenerate.run(json: json, quick: a.flag("quick"), weights: a.string("weights"), vae: a.string("vae"))
                return
            }
            if suite == "vae" {
                try runVAE(json: json, quick: a.flag("quick"), row: a.string("row"))
                return
            }
            let report = KernelBenchmarks.run(quick: a.flag("quick")) { name in
                if !json { printError("  measured \(name)") }
            }
            printOut(json ? renderJSON(report) : renderTable(report))
        })

    static func runStudio(json: Bool, quick: Bool) throws {
        let binary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        let report: StudioBenchReport
        do {
            report = try StudioBenchmark.run(binary: binary, trials: quick ? 3 : 10) { if !json { printError("  measuring \($0)") } }
        } catch let error as StudioBenchmark.Failure {
            throw CommandError(error.description)
        }
        if json {
            let data = try JSONSerialization.data(withJSONObject: StudioBenchmark.json(report), options: [.sortedKeys])
            printOut(String(decoding: data, as: UTF8.self))
        } else {
            printOut(StudioBenchmark.table(report))
        }
    }

    /// Runs every autoencoder measurement in a child process (`--row KIND:WxHxF`) so that peak memory
    /// is each measurement's own; with --row, runs that one measurement and prints it as JSON.
    static func runVAE(json: Bool, quick: Bool, row: String?) throws {
        if let row {
            let parts = row.split(separator: ":")
            let dims = parts.count == 2 ? parts[1].split(separator: "x").compactMap { Int($0) } : []
            guard parts.count == 2, let kind = AutoencoderBenchmarks.Kind(rawValue: String(parts[0])), dims.count == 3 else {
                throw CommandError.usage("--row must be KIND:WxHxF with KIND one of encode, decode, decode_tiled")
            }
            let vae = VideoAutoencoder(config: .standard, seed: 0)
            let r = AutoencoderBenchmarks.measure(kind, vae: vae, width: dims[0], height: dims[1], frames: dims[2])
            printOut(String(decoding: try JSONEncoder().encode(r), as: UTF8.self))
            return
        }
        let sizes = quick ? [(128, 72, 9)] : [(128, 72, 49), (512, 288, 49)]
        var rows: [AutoencoderBenchmarkRow] = []
        for (w, h, f) in sizes {
            for kind in AutoencoderBenchmarks.Kind.allCases {
                let child = Process()
                child.executableURL = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0])
                child.arguments = ["bench", "vae", "--row", "\(kind.rawValue):\(w)x\(h)x\(f)", "--threads", String(Parallel.workers)]
                let pipe = Pipe()
                child.standardOutput = pipe
                try child.run()
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                child.waitUntilExit()
                guard child.terminationStatus == 0, let r = try? JSONDecoder().decode(AutoencoderBenchmarkRow.self, from: data) else {
                    throw CommandError("benchmark \(kind.rawValue) at \(w)x\(h)x\(f) failed (exit \(child.terminationStatus))")
                }
                rows.append(r)
                if !json { printError("  measured \(r.name)") }
            }
        }
        if json {
            let object: [String: Any] = ["blas_core": BLAS.coreName, "threads": Parallel.workers,
                                         "results": rows.map { ["name": $0.name, "width": $0.width, "height": $0.height, "frames": $0.frames,
                                                                "seconds": $0.seconds, "frames_per_second": round3($0.framesPerSecond),
                                                                "peak_rss_bytes": $0.peakResidentBytes] as [String: Any] }]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            printOut(String(decoding: data, as: UTF8.self))
            return
        }
        var lines = ["BLAS core: \(BLAS.coreName)   threads: \(Parallel.workers)   (untrained weights: speed does not depend on them)", "",
                     "name                           seconds   frames/s   peak RSS MiB"]
        for r in rows {
            lines.append(r.name.padding(toLength: 30, withPad: " ", startingAt: 0)
                         + String(format: " %8.3f %10.1f %14d", r.seconds, r.framesPerSecond, r.peakResidentBytes >> 20))
        }
        printOut(lines.joined(separator: "\n"))
    }

    static func renderTable(_ r: KernelBenchmarkReport) -> String {
        var lines = ["BLAS core: \(r.blasCore)   threads: \(r.threads)   GEMM peak: \(String(format: "%.1f", r.gemmPeakGflops)) GFLOP/s", ""]
        let header = "name".padding(toLength: 34, withPad: " ", startingAt: 0) + "   GFLOP/s   of peak   best ms   median ms"
        lines.append(header)
        lines.append(String(repeating: "-", count: header.count))
        for x in r.results {
            let frac = r.gemmPeakGflops > 0 ? x.gflops / r.gemmPeakGflops : 0
            var line = x.name.padding(toLength: 34, withPad: " ", startingAt: 0)
            line += String(format: " %9.1f %8.0f%% %9.3f %11.3f", x.gflops, frac * 100, x.bestSeconds * 1e3, x.medianSeconds * 1e3)
            if x.bytes > 0 { line += String(format: "   (%.1f GB/s)", x.gigabytesPerSecond) }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    static func renderJSON(_ r: KernelBenchmarkReport) -> String {
        let results: [[String: Any]] = r.results.map { x in
            var o: [String: Any] = ["name": x.name, "gflops": round3(x.gflops),
                                    "fraction_of_peak": round3(r.gemmPeakGflops > 0 ? x.gflops / r.gemmPeakGflops : 0),
                                    "best_seconds": x.bestSeconds, "median_seconds": x.medianSeconds, "runs": x.runs]
            if x.bytes > 0 { o["gigabytes_per_second"] = round3(x.gigabytesPerSecond) }
            return o
        }
        let object: [String: Any] = ["blas_core": r.blasCore, "threads": r.threads, "gemm_peak_gflops": round3(r.gemmPeakGflops),
                                     "openblas_coretype_env": ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] ?? NSNull(),
                                     "results": results]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    static func round3(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }
}

// Fixtures for the media tests: a synthetic clip, scratch folders, and ffprobe/ffmpeg runners.
import Foundation
import XCTest
import TesseraMedia
import TesseraTestSupport

/// Smooth moving colour gradients, an anti-aliased disc and a hard-edged rectangle.
func testPattern(width: Int, height: Int, frames: Int, fps: Int = 12) -> Video {
    var v = Video(width: width, height: height, fps: fps, frameCount: frames)
    let W = Double(width), H = Double(height)
    for f in 0..<frames {
        let t = Double(f)
        let cx = W * (0.3 + 0.4 * Double(f) / Double(max(1, frames - 1))), cy = H * 0.5, radius = H * 0.25
        let rx0 = Int(W * 0.1) + f, rx1 = Int(W * 0.25) + f, ry0 = Int(H * 0.1), ry1 = Int(H * 0.35)
        for y in 0..<height {
            for x in 0..<width {
                let X = Double(x), Y = Double(y)
                var r = 128 + 90 * sin(X / W * 2 * .pi + t * 0.3)
                var g = 128 + 90 * cos(Y / H * 3 + t * 0.2)
                var b = 40 + 170 * (X + Y) / (W + H)
                let d = ((X - cx) * (X - cx) + (Y - cy) * (Y - cy)).squareRoot()
                let cover = max(0, min(1, radius - d + 0.5))
                r = r * (1 - cover) + 245 * cover
                g = g * (1 - cover) + 245 * cover
                b = b * (1 - cover) + 235 * cover
                if x >= rx0 && x < rx1 && y >= ry0 && y < ry1 { r = 20; g = 20; b = 30 }
                let i = ((f * height + y) * width + x) * 3
                v.pixels[i] = UInt8(max(0, min(255, r.rounded())))
                v.pixels[i + 1] = UInt8(max(0, min(255, g.rounded())))
                v.pixels[i + 2] = UInt8(max(0, min(255, b.rounded())))
            }
        }
    }
    return v
}

extension XCTestCase {
    /// A fresh empty folder under the system temporary directory, removed when the test ends.
    func scratchFolder(_ name: String = #function) -> String {
        temporaryFolder("media-" + name.filter { $0.isLetter || $0.isNumber })
    }
}

/// Runs a program found on PATH; returns (status, stdout).
@discardableResult
func runTool(_ program: String, _ arguments: [String]) -> (status: Int32, output: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = [program] + arguments
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = FileHandle.nullDevice
    do { try p.run() } catch { return (-1, "") }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// ffprobe's view of the first video stream: key=value pairs (counting frames exactly).
func ffprobeStream(_ path: String) -> [String: String] {
    let out = runTool("ffprobe", ["-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
                              "stream=width,height,r_frame_rate,avg_frame_rate,nb_frames,nb_read_frames,codec_name,pix_fmt,color_space,color_range",
                              "-of", "default=noprint_wrappers=1", path]).output
    return keyValues(out)
}

/// ffprobe -show_format tags.
func ffprobeFormatTags(_ path: String) -> [String: String] {
    keyValues(runTool("ffprobe", ["-v", "error", "-show_entries", "format_tags", "-of", "default=noprint_wrappers=1", path]).output)
}

func keyValues(_ text: String) -> [String: String] {
    var result: [String: String] = [:]
    for line in text.split(separator: "\n") {
        guard let eq = line.firstIndex(of: "=") else { continue }
        var key = String(line[..<eq])
        if key.hasPrefix("TAG:") { key.removeFirst(4) }
        result[key] = String(line[line.index(after: eq)...])
    }
    return result
}

func leftoverTemporaryFiles(in folder: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".tmp") }
}

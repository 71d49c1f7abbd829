// Final renders: <out>/<time>-<prompt words>-s<seed>.mp4 plus a sidecar .json with everything
// needed to make the same video again. The .mp4 is written under a temporary name and renamed
// (MediaWriter); the sidecar is written the same way and only after the video, so the gallery,
// which lists sidecars whose video exists, never shows a half-written render.
import Foundation
import TesseraMedia

/// The sidecar of one render.
public struct RenderRecord: Codable, Equatable, Sendable {
    public var video: String
    public var prompt: String
    public var caption: String
    /// True when the caption was edited by hand (locked) rather than expanded from the prompt.
    public var captionEdited: Bool
    public var seed: UInt64
    public var aspect: String
    public var width: Int
    public var height: Int
    public var duration: Double
    public var frames: Int
    public var fps: Int
    public var steps: Int
    public var guidance: Double
    public var generator: String
    public var modelHash: String?
    public var created: String
    public var seconds: Double

    enum CodingKeys: String, CodingKey {
        case video, prompt, caption, captionEdited = "caption_edited", seed, aspect, width, height, duration, frames, fps
        case steps, guidance, generator, modelHash = "model_hash", created, seconds
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(video, forKey: .video); try c.encode(prompt, forKey: .prompt); try c.encode(caption, forKey: .caption)
        try c.encode(captionEdited, forKey: .captionEdited); try c.encode(seed, forKey: .seed); try c.encode(aspect, forKey: .aspect)
        try c.encode(width, forKey: .width); try c.encode(height, forKey: .height); try c.encode(duration, forKey: .duration)
        try c.encode(frames, forKey: .frames); try c.encode(fps, forKey: .fps); try c.encode(steps, forKey: .steps)
        try c.encode(guidance, forKey: .guidance); try c.encode(generator, forKey: .generator)
        try c.encode(modelHash, forKey: .modelHash)   // null, not missing, when there is no model
        try c.encode(created, forKey: .created); try c.encode(seconds, forKey: .seconds)
    }

    /// The sidecar's path in `folder`.
    public func sidecarPath(in folder: String) -> String {
        folder + "/" + (video as NSString).deletingPathExtension + ".json"
    }
}

public enum RenderOutput {
    /// A file name stem from the time, the prompt's first words and the seed.
    public static func stem(prompt: String, seed: UInt64, date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        let words = prompt.lowercased().split { !($0.isLetter || $0.isNumber) }.prefix(5).joined(separator: "-")
        let slug = String(words.unicodeScalars.filter { $0.isASCII }.map(Character.init).prefix(40))
        return formatter.string(from: date) + "-" + (slug.isEmpty ? "untitled" : slug) + "-s\(seed)"
    }

    /// Writes `video` and its sidecar into `folder` (created if missing); returns the record.
    public static func write(_ video: Video, request: GenerationRequest, captionEdited: Bool, aspect: Aspect,
                             duration: Double, generator: any VideoGenerating, seconds: Double,
                             folder: String, date: Date = Date()) throws -> RenderRecord {
        try makeFolder(folder)
        var stem = stem(prompt: request.prompt, seed: request.seed, date: date)
        var n = 2
        while FileManager.default.fileExists(atPath: folder + "/" + stem + ".mp4") {
            stem = self.stem(prompt: request.prompt, seed: request.seed, date: date) + "-\(n)"
            n += 1
        }
        let iso = ISO8601DateFormatter().string(from: date)
        let record = RenderRecord(video: stem + ".mp4", prompt: request.prompt, caption: request.caption,
                                  captionEdited: captionEdited, seed: request.seed, aspect: aspect.description,
                                  width: request.width, height: request.height, duration: duration, frames: video.frameCount,
                                  fps: request.fps, steps: request.steps, guidance: request.guidance,
                                  generator: generator.identifier, modelHash: generator.modelHash, created: iso,
                                  seconds: (seconds * 1000).rounded() / 1000)
        let metadata = ["title": request.prompt, "comment": request.caption, "tessera_seed": String(request.seed),
                        "tessera_generator": generator.identifier]
        let videoPath = folder + "/" + record.video
        try MediaWriter.write(video, to: videoPath, metadata: metadata)
        do {
            try writeSidecar(record, to: record.sidecarPath(in: folder))
        } catch {
            try? FileManager.default.removeItem(atPath: videoPath)
            throw error
        }
        return record
    }

    /// mkdir -p with the system's reason in the error ("Not a directory", "Permission denied").
    static func makeFolder(_ folder: String) throws {
        var path = folder.hasPrefix("/") ? "" : "."
        for part in folder.split(separator: "/") {
            path += "/" + part
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
                if !isDirectory.boolValue { throw MediaError("cannot create the output folder \(folder): \(path) is a file") }
                continue
            }
            if mkdir(path, 0o755) != 0 && errno != EEXIST {
                throw MediaError("cannot create the output folder \(folder): \(String(cString: strerror(errno)))")
            }
        }
    }

    static func writeSidecar(_ record: RenderRecord, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(record)
        data.append(0x0a)
        do {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw MediaError("cannot write \(path): \(error.localizedDescription)")
        }
    }

    /// Renders in `folder` whose sidecar parses and whose video exists, newest first.
    public static func list(folder: String) -> [RenderRecord] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        let decoder = JSONDecoder()
        var records: [RenderRecord] = []
        for file in files where file.hasSuffix(".json") && !file.hasPrefix(".") {
            guard let data = FileManager.default.contents(atPath: folder + "/" + file),
                  let record = try? decoder.decode(RenderRecord.self, from: data),
                  FileManager.default.fileExists(atPath: folder + "/" + record.video) else { continue }
            records.append(record)
        }
        return records.sorted { ($0.created, $0.video) > ($1.created, $1.video) }
    }

    /// Removes temporary files this process left in `folder` (called on exit and on signals, when
    /// a write may have been cut off).
    public static func removeTemporaryFiles(folder: String, pid: Int32 = getpid()) {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        for file in files where file.hasPrefix(".") && file.hasSuffix(".\(pid).tmp") || file.contains(".\(pid).") && file.hasSuffix(".tmp") {
            unlink(folder + "/" + file)
        }
    }
}

// The training dataset on disk, shared by `tessera world sample` and `tessera import`:
//
//   DIR/captions.jsonl  one JSON object per line, keys sorted:
//     {"clip":"clips/000042.y4m","detailed":"...","fps":12,"frames":N,"height":H,
//      "scene":{...optional, opaque...},"short":"...","source":"world"|"import","width":W}
//   DIR/clips/NNNNNN.y4m  the clips, 4:4:4 full-range BT.601 YCbCr (conversion in Y4M.swift).
//
// A clip is written under a temporary name and renamed; its manifest line is appended (one write)
// only after that, so the manifest never names a missing or partial clip. Numbers continue after
// the largest one in the manifest or in clips/.
import Foundation

/// One manifest line.
public struct DatasetEntry: Equatable, Sendable {
    /// Path of the clip relative to the dataset folder, e.g. "clips/000042.y4m".
    public var clip: String
    public var detailed: String
    public var short: String
    public var width: Int
    public var height: Int
    public var frames: Int
    public var fps: Int
    /// "world" or "import".
    public var source: String
    /// The optional scene description as compact JSON object text (keys sorted).
    public var sceneJSON: String?
    /// 1-based line number in captions.jsonl.
    public var line: Int
}

/// Appends clips and their captions to a dataset folder (created if missing).
public final class DatasetWriter {
    public let directory: String
    /// Number the next clip gets.
    public private(set) var nextIndex: Int

    public init(directory: String) throws {
        self.directory = directory
        let clips = directory + "/clips"
        do {
            try FileManager.default.createDirectory(atPath: clips, withIntermediateDirectories: true)
        } catch {
            throw MediaError("cannot create the dataset folder \(clips): \(error.localizedDescription)")
        }
        DatasetWriter.removeAbandonedTemporaryFiles(in: clips)
        var largest = -1
        for entry in try DatasetReader(directory: directory).entries {
            largest = max(largest, DatasetWriter.number(in: entry.clip) ?? -1)
        }
        for name in (try? FileManager.default.contentsOfDirectory(atPath: clips)) ?? [] {
            largest = max(largest, DatasetWriter.number(in: name) ?? -1)
        }
        nextIndex = largest + 1
    }

    /// Writes `video` as the next clip and appends its manifest line.
    /// - Parameter sceneJSON: a JSON object (text) stored as is under "scene", or nil.
    /// - Returns: the entry as a reader will see it.
    @discardableResult
    public func append(video: Video, detailed: String, short: String, source: String,
                       sceneJSON: String? = nil) throws -> DatasetEntry {
        var scene: Any?
        if let text = sceneJSON {
            guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)), object is [String: Any] else {
                throw MediaError("cannot add to \(directory): sceneJSON is not a JSON object")
            }
            scene = object
        }
        // Held from choosing the number to appending the line: another writer (another process,
        // or a second DatasetWriter) on the same folder then takes the next free number.
        let lock = try lockManifest()
        defer { flock(lock, LOCK_UN); close(lock) }
        while FileManager.default.fileExists(atPath: directory + String(format: "/clips/%06d.y4m", nextIndex)) {
            nextIndex += 1
        }
        let clip = String(format: "clips/%06d.y4m", nextIndex)
        try AtomicFile.write(Y4M.encode(video), to: directory + "/" + clip)
        nextIndex += 1
        var object: [String: Any] = [
            "clip": clip, "detailed": detailed, "short": short, "source": source,
            "width": video.width, "height": video.height, "frames": video.frameCount, "fps": video.fps,
        ]
        if let scene { object["scene"] = scene }
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        try appendLine(Array(data) + [0x0A])
        return DatasetEntry(clip: clip, detailed: detailed, short: short, width: video.width, height: video.height,
                            frames: video.frameCount, fps: video.fps, source: source,
                            sceneJSON: scene.flatMap(DatasetReader.compactJSON), line: 0)
    }

    private func lockManifest() throws -> Int32 {
        let path = directory + "/.captions.lock"
        let fd = open(path, O_RDWR | O_CREAT, 0o644)
        guard fd >= 0 else { throw MediaError("cannot lock \(path): \(String(cString: strerror(errno)))") }
        flock(fd, LOCK_EX)
        return fd
    }

    /// Removes temporary clips left by writers that died (Ctrl-C): ".000042.y4m.<pid>.<n>.tmp"
    /// whose process is gone.
    private static func removeAbandonedTemporaryFiles(in folder: String) {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] where name.hasPrefix(".") && name.hasSuffix(".tmp") {
            let parts = name.split(separator: ".")
            guard parts.count >= 5, let pid = Int32(parts[parts.count - 3]) else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { try? FileManager.default.removeItem(atPath: folder + "/" + name) }
        }
    }

    /// One write() with O_APPEND, starting a new line if a previous writer died mid-line.
    private func appendLine(_ bytes: [UInt8]) throws {
        let path = directory + "/captions.jsonl"
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o644)
        guard fd >= 0 else { throw MediaError("cannot append to \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var line = bytes
        let size = lseek(fd, 0, SEEK_END)
        if size > 0, let handle = FileHandle(forReadingAtPath: path) {
            try? handle.seek(toOffset: UInt64(size - 1))
            if handle.readData(ofLength: 1).first != 0x0A { line.insert(0x0A, at: 0) }
            try? handle.close()
        }
        let written = line.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        if written != line.count { throw MediaError("cannot append to \(path): \(String(cString: strerror(errno)))") }
    }

    /// 42 from "clips/000042.y4m" or "000042.y4m".
    static func number(in name: String) -> Int? {
        let file = name.split(separator: "/").last.map(String.init) ?? name
        guard file.hasSuffix(".y4m") else { return nil }
        let digits = file.prefix(while: { $0.isNumber })
        return digits.count == 6 ? Int(digits) : nil
    }
}

/// Reads a dataset folder's manifest and clips.
public struct DatasetReader {
    public let directory: String
    public let entries: [DatasetEntry]

    /// Parses DIR/captions.jsonl (a missing manifest is an empty dataset). A malformed line is a
    /// one-line error naming the file and the line number.
    public init(directory: String) throws {
        self.directory = directory
        let path = directory + "/captions.jsonl"
        guard FileManager.default.fileExists(atPath: path) else {
            entries = []
            return
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MediaError("cannot read \(path)")
        }
        var list: [DatasetEntry] = []
        for (i, line) in data.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) { continue }
            list.append(try DatasetReader.parse(Data(line), path: path, line: i + 1))
        }
        entries = list
    }

    /// Loads an entry's clip, checking it against the manifest.
    public func loadClip(_ entry: DatasetEntry) throws -> Video {
        let path = directory + "/" + entry.clip
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MediaError("cannot read \(path) (line \(entry.line) of captions.jsonl): no such file")
        }
        let video = try Y4M.decode(Array(data), label: path)
        guard video.width == entry.width, video.height == entry.height, video.frameCount == entry.frames else {
            throw MediaError("\(path) is \(video.width)x\(video.height)x\(video.frameCount) but line \(entry.line) of captions.jsonl says \(entry.width)x\(entry.height)x\(entry.frames)")
        }
        return video
    }

    static func parse(_ line: Data, path: String, line number: Int) throws -> DatasetEntry {
        func fail(_ why: String) -> MediaError { MediaError("\(path) line \(number): \(why)") }
        guard let any = try? JSONSerialization.jsonObject(with: line), let o = any as? [String: Any] else {
            throw fail("not a JSON object")
        }
        func string(_ key: String) throws -> String {
            guard let v = o[key] as? String else { throw fail("\"\(key)\" must be a string") }
            return v
        }
        func int(_ key: String) throws -> Int {
            guard let n = o[key] as? NSNumber, let v = Int(exactly: n.doubleValue), v > 0 else {
                throw fail("\"\(key)\" must be a positive integer")
            }
            return v
        }
        let clip = try string("clip")
        guard !clip.hasPrefix("/"), !clip.split(separator: "/").contains("..") else {
            throw fail("\"clip\" must be a path inside the dataset folder, got '\(clip)'")
        }
        var scene: String?
        if let s = o["scene"], !(s is NSNull) {
            guard s is [String: Any] else { throw fail("\"scene\" must be a JSON object") }
            scene = compactJSON(s)
        }
        return DatasetEntry(clip: clip, detailed: try string("detailed"), short: try string("short"),
                            width: try int("width"), height: try int("height"), frames: try int("frames"),
                            fps: try int("fps"), source: try string("source"), sceneJSON: scene, line: number)
    }

    static func compactJSON(_ object: Any) -> String? {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}

// Writes a `Video` in the format its path names; every file goes through a temporary name.
import Foundation

public enum MediaWriter {
    /// The extensions `write` accepts (besides a folder of PNG frames).
    public static let acceptedExtensions = ["mp4", "gif", "y4m", "png"]

    /// Writes `video` to `path`, in the format chosen by its extension.
    ///
    /// - `.mp4`: H.264 yuv420p (odd sizes padded by one repeated column/row), `metadata` in the
    ///   container (`ffprobe -show_format` lists every key), `quality` picks the crf.
    /// - `.gif`: one 256-colour palette for the clip, looping.
    /// - `.y4m`: 4:4:4 full-range BT.601 YCbCr (see Y4M.swift).
    /// - `.png`: a one-frame video as one image; several frames are an error unless the path is a folder.
    /// - a path ending in "/", an existing folder, or no extension: a folder of frame_00000.png ...
    ///   (created if missing).
    /// `metadata` is stored only by .mp4. Nothing is left under `path` if writing fails.
    public static func write(_ video: Video, to path: String, metadata: [String: String] = [:],
                             quality: VideoQuality = .standard) throws {
        guard video.frameCount > 0 else { throw MediaError("cannot write \(path): the video has no frames") }
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        let ext = (path as NSString).pathExtension.lowercased()
        if path.hasSuffix("/") || (exists && isDirectory.boolValue) || ext.isEmpty {
            return try writeFrames(video, toFolder: path)
        }
        switch ext {
        case "mp4":
            try atomically(path) { try MP4Writer.write(video, to: $0, label: path, metadata: metadata, quality: quality) }
        case "gif":
            try GIFWriter.write(video, to: path)
        case "y4m":
            try AtomicFile.write(Y4M.encode(video), to: path)
        case "png":
            guard video.frameCount == 1 else {
                throw MediaError("cannot write \(video.frameCount) frames to the single image \(path); give a folder (a path ending in /) for one PNG per frame")
            }
            try AtomicFile.write(PNGWriter.encode(video, frame: 0, label: path), to: path)
        default:
            throw MediaError("cannot write \(path): unknown extension .\(ext); accepted: .mp4 .gif .y4m .png, or a folder path ending in / for PNG frames")
        }
    }

    /// Checks before an expensive job that `write` will accept `path` for `frames` frames: a known
    /// extension (or a folder), a single frame for .png, and an existing parent folder for a file.
    public static func checkDestination(_ path: String, frames: Int) throws {
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        let ext = (path as NSString).pathExtension.lowercased()
        if path.hasSuffix("/") || (exists && isDirectory.boolValue) || ext.isEmpty { return }
        guard acceptedExtensions.contains(ext) else {
            throw MediaError("cannot write \(path): unknown extension .\(ext); accepted: .mp4 .gif .y4m .png, or a folder path ending in / for PNG frames")
        }
        if ext == "png" && frames != 1 {
            throw MediaError("cannot write \(frames) frames to the single image \(path); give a folder (a path ending in /) for one PNG per frame, or --duration 0")
        }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty && !(FileManager.default.fileExists(atPath: parent, isDirectory: &isDirectory) && isDirectory.boolValue) {
            throw MediaError("cannot write \(path): folder \(parent) does not exist")
        }
    }

    /// frame_00000.png, frame_00001.png ... in `folder`, each written atomically.
    static func writeFrames(_ video: Video, toFolder folder: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw MediaError("cannot create the folder \(folder): \(error.localizedDescription)")
        }
        let base = folder.hasSuffix("/") ? folder : folder + "/"
        for i in 0..<video.frameCount {
            let name = base + "frame_" + String(format: "%05d", i) + ".png"
            try AtomicFile.write(PNGWriter.encode(video, frame: i, label: name), to: name)
        }
        // Frames of a longer clip written here before would read as part of this one.
        for i in video.frameCount... {
            let stale = base + "frame_" + String(format: "%05d", i) + ".png"
            guard FileManager.default.fileExists(atPath: stale) else { break }
            try? FileManager.default.removeItem(atPath: stale)
        }
    }

    static func atomically(_ path: String, _ body: (String) throws -> Void) throws {
        var file = try AtomicFile(path)
        do {
            try body(file.temporaryPath)
            try file.commit()
        } catch {
            file.discard()
            throw error
        }
    }
}

// Video -> animated .gif: one 256-colour palette for the whole clip (see Palette.swift), PAL8
// frames through libavcodec's gif encoder, the gif muxer's frame delay from the time base 1/fps
// (in 1/100 s, so 12 fps alternates 8 and 9), looping forever.
import CFFmpeg

/// Dithering applied when mapping frames to the GIF palette.
public enum GIFDither: Sendable {
    /// Nearest colour: best PSNR, can band on slow gradients.
    case none
    /// 8x8 Bayer pattern of about +-1/2 palette step: hides banding, stable from frame to frame.
    case ordered
}

public enum GIFWriter {
    /// Writes `video` as a looping .gif at `path` (atomically; see `MediaWriter.write`).
    public static func write(_ video: Video, to path: String, dither: GIFDither = .none) throws {
        var file = try AtomicFile(path)
        do {
            try encode(video, to: file.temporaryPath, label: path, dither: dither)
            try file.commit()
        } catch {
            file.discard()
            throw error
        }
    }

    static func encode(_ video: Video, to path: String, label: String, dither: GIFDither) throws {
        var palette = ClipPalette(video: video)
        let muxer = try EncodingMuxer(
            format: "gif", encoder: "gif", path: path, label: label, fps: video.fps,
            codecOptions: [:], muxerOptions: ["loop": "0"], metadata: [:]
        ) { c in
            c.pointee.width = Int32(video.width)
            c.pointee.height = Int32(video.height)
            c.pointee.pix_fmt = AV_PIX_FMT_PAL8
        }
        let frame = try FrameBuffer(width: video.width, height: video.height, format: AV_PIX_FMT_PAL8)
        let W = video.width, H = video.height
        for i in 0..<video.frameCount {
            try LibAV.check(av_frame_make_writable(frame.frame), "cannot encode", label)
            let f = frame.frame.pointee
            // data.1: 256 native-endian 0xAARRGGBB entries.
            let entries = UnsafeMutableRawPointer(f.data.1!).bindMemory(to: UInt32.self, capacity: 256)
            for j in 0..<256 {
                let c = j < palette.colors.count ? palette.colors[j] : (r: 0, g: 0, b: 0)
                entries[j] = 0xFF00_0000 | UInt32(c.r) << 16 | UInt32(c.g) << 8 | UInt32(c.b)
            }
            let stride = Int(f.linesize.0)
            video.pixels.withUnsafeBufferPointer { src in
                let rgb = src.baseAddress! + i * video.frameByteCount
                for y in 0..<H {
                    let row = f.data.0! + y * stride
                    for x in 0..<W {
                        let p = rgb + 3 * (y * W + x)
                        if dither == .ordered {
                            let t = GIFWriter.bayer[(y & 7) << 3 | (x & 7)] - 32  // -32 ... 31
                            let d = t / 8  // about +-4 levels: half a typical palette step
                            row[x] = palette.index(Y4M.clamp8(Int(p[0]) + d), Y4M.clamp8(Int(p[1]) + d), Y4M.clamp8(Int(p[2]) + d))
                        } else {
                            row[x] = palette.index(p[0], p[1], p[2])
                        }
                    }
                }
            }
            frame.frame.pointee.pts = Int64(i)
            try muxer.encode(frame.frame)
        }
        try muxer.finish()
    }

    private static let bayer: [Int] = {
        var m = [0]
        var n = 1
        while n < 8 {
            var next = [Int](repeating: 0, count: 4 * n * n)
            for y in 0..<n { for x in 0..<n {
                let v = 4 * m[y * n + x]
                next[y * 2 * n + x] = v
                next[y * 2 * n + x + n] = v + 2
                next[(y + n) * 2 * n + x] = v + 3
                next[(y + n) * 2 * n + x + n] = v + 1
            } }
            m = next
            n *= 2
        }
        return m  // 0 ... 63
    }()
}

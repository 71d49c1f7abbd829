// YUV4MPEG2 (.y4m) writing and reading, by hand: the dataset's clip format.
//
// Colour: 4:4:4 (no chroma subsampling), full-range BT.601 / JPEG YCbCr, tagged
// "C444 XCOLORRANGE=FULL" so FFmpeg reads it the same way:
//   Y  =       0.299    R + 0.587    G + 0.114    B
//   Cb = 128 - 0.168736 R - 0.331264 G + 0.5      B
//   Cr = 128 + 0.5      R - 0.418688 G - 0.081312 B
//   R = Y + 1.402 (Cr-128);  G = Y - 0.344136 (Cb-128) - 0.714136 (Cr-128);  B = Y + 1.772 (Cb-128)
// Each direction rounds to 8 bits, so a round trip moves a channel by at most ~2 levels (~50 dB).

enum Y4M {
    static func header(width: Int, height: Int, fps: Int) -> String {
        "YUV4MPEG2 W\(width) H\(height) F\(fps):1 Ip A1:1 C444 XCOLORRANGE=FULL\n"
    }

    /// The whole file in memory (a 512x288x49 clip is 21 MB).
    static func encode(_ video: Video) -> [UInt8] {
        let plane = video.width * video.height
        let head = Array(header(width: video.width, height: video.height, fps: video.fps).utf8)
        let frameTag = Array("FRAME\n".utf8)
        var out = [UInt8](repeating: 0, count: head.count + video.frameCount * (frameTag.count + 3 * plane))
        out.replaceSubrange(0..<head.count, with: head)
        var offset = head.count
        video.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for f in 0..<video.frameCount {
                    for (i, b) in frameTag.enumerated() { dst[offset + i] = b }
                    offset += frameTag.count
                    let rgb = src.baseAddress! + f * plane * 3
                    let y = dst.baseAddress! + offset, cb = y + plane, cr = cb + plane
                    for p in 0..<plane {
                        let (Y, U, V) = rgbToYCbCr(rgb[3 * p], rgb[3 * p + 1], rgb[3 * p + 2])
                        y[p] = Y; cb[p] = U; cr[p] = V
                    }
                    offset += 3 * plane
                }
            }
        }
        return out
    }

    /// Decodes a 4:4:4 8-bit .y4m (as written by `encode`); other layouts throw so callers can
    /// fall back to libav.
    static func decode(_ bytes: [UInt8], label: String) throws -> Video {
        guard let newline = bytes.prefix(1024).firstIndex(of: 0x0A),
              let head = String(bytes: bytes[0..<newline], encoding: .utf8), head.hasPrefix("YUV4MPEG2 ") else {
            throw MediaError("cannot read \(label): not a YUV4MPEG2 (.y4m) file")
        }
        var width = 0, height = 0, fps = 0, chroma = "420jpeg"
        for token in head.split(separator: " ").dropFirst() {
            let value = String(token.dropFirst())
            switch token.first {
            case "W": width = Int(value) ?? 0
            case "H": height = Int(value) ?? 0
            case "C": chroma = value
            case "F":
                let parts = value.split(separator: ":").compactMap { Int($0) }
                if parts.count == 2, parts[1] > 0 { fps = Int((Double(parts[0]) / Double(parts[1])).rounded()) }
            default: break
            }
        }
        guard chroma == "444" else { throw MediaError("cannot read \(label): chroma C\(chroma) is not C444") }
        guard (1...16384).contains(width), (1...16384).contains(height), fps > 0 else {
            throw MediaError("cannot read \(label): bad .y4m header '\(head)'")
        }
        let plane = width * height
        var pixels: [UInt8] = []
        var offset = newline + 1
        while offset < bytes.count {
            guard let end = bytes[offset..<min(bytes.count, offset + 256)].firstIndex(of: 0x0A),
                  bytes[offset..<end].starts(with: Array("FRAME".utf8)) else {
                throw MediaError("cannot read \(label): frame \(pixels.count / (3 * plane)) has no FRAME marker")
            }
            offset = end + 1
            guard offset + 3 * plane <= bytes.count else {
                throw MediaError("cannot read \(label): truncated in frame \(pixels.count / (3 * plane))")
            }
            let start = pixels.count
            pixels.append(contentsOf: repeatElement(0, count: 3 * plane))
            bytes.withUnsafeBufferPointer { src in
                pixels.withUnsafeMutableBufferPointer { dst in
                    let y = src.baseAddress! + offset, cb = y + plane, cr = cb + plane
                    let rgb = dst.baseAddress! + start
                    for p in 0..<plane {
                        let (r, g, b) = yCbCrToRGB(y[p], cb[p], cr[p])
                        rgb[3 * p] = r; rgb[3 * p + 1] = g; rgb[3 * p + 2] = b
                    }
                }
            }
            offset += 3 * plane
        }
        guard !pixels.isEmpty else { throw MediaError("cannot read \(label): the .y4m file holds no frames") }
        return Video(width: width, height: height, fps: fps, pixels: pixels)
    }

    // Fixed point with 16 fractional bits; +32768 rounds to nearest.
    @inline(__always)
    static func rgbToYCbCr(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> (UInt8, UInt8, UInt8) {
        let R = Int(r), G = Int(g), B = Int(b)
        let y = (19595 * R + 38470 * G + 7471 * B + 32768) >> 16
        let cb = (-11058 * R - 21710 * G + 32768 * B + (128 << 16) + 32768) >> 16
        let cr = (32768 * R - 27439 * G - 5329 * B + (128 << 16) + 32768) >> 16
        return (clamp8(y), clamp8(cb), clamp8(cr))
    }

    @inline(__always)
    static func yCbCrToRGB(_ y: UInt8, _ cb: UInt8, _ cr: UInt8) -> (UInt8, UInt8, UInt8) {
        let Y = Int(y) << 16, U = Int(cb) - 128, V = Int(cr) - 128
        let r = (Y + 91881 * V + 32768) >> 16
        let g = (Y - 22553 * U - 46802 * V + 32768) >> 16
        let b = (Y + 116130 * U + 32768) >> 16
        return (clamp8(r), clamp8(g), clamp8(b))
    }

    @inline(__always)
    static func clamp8(_ v: Int) -> UInt8 { UInt8(truncatingIfNeeded: min(255, max(0, v))) }
}

// Owned AVFrames and the colour conversions between them and `Video` frames.
import CFFmpeg

/// An AVFrame with its own buffer, freed on deinit.
final class FrameBuffer {
    let frame: UnsafeMutablePointer<AVFrame>

    init(width: Int, height: Int, format: AVPixelFormat) throws {
        guard let f = av_frame_alloc() else { throw MediaError("out of memory allocating a \(width)x\(height) frame") }
        frame = f
        f.pointee.width = Int32(width)
        f.pointee.height = Int32(height)
        f.pointee.format = format.rawValue
        if av_frame_get_buffer(f, 0) < 0 {
            throw MediaError("out of memory allocating a \(width)x\(height) frame")
        }
    }

    deinit {
        var f: UnsafeMutablePointer<AVFrame>? = frame
        av_frame_free(&f)
    }

    /// Copies frame `index` of `video` into plane 0 (an RGB24 frame of the same size). When the frame
    /// is larger (odd sizes padded to even), the last column and row are repeated.
    func fillRGB(from video: Video, frame index: Int) {
        let W = Int(frame.pointee.width), H = Int(frame.pointee.height)
        let stride = Int(frame.pointee.linesize.0)
        let base = frame.pointee.data.0!
        let vw = video.width, vh = video.height
        video.pixels.withUnsafeBufferPointer { src in
            let frameStart = index * video.frameByteCount
            for y in 0..<H {
                let sy = min(y, vh - 1)
                let row = base + y * stride
                let srcRow = src.baseAddress! + frameStart + sy * vw * 3
                row.update(from: srcRow, count: vw * 3)
                for x in vw..<W {
                    row[x * 3] = srcRow[(vw - 1) * 3]
                    row[x * 3 + 1] = srcRow[(vw - 1) * 3 + 1]
                    row[x * 3 + 2] = srcRow[(vw - 1) * 3 + 2]
                }
            }
        }
    }

    /// Appends plane 0 of an RGB24 frame to `pixels`, row by row.
    func appendRGB(to pixels: inout [UInt8]) {
        let W = Int(frame.pointee.width), H = Int(frame.pointee.height)
        let stride = Int(frame.pointee.linesize.0)
        let base = frame.pointee.data.0!
        for y in 0..<H {
            pixels.append(contentsOf: UnsafeBufferPointer(start: base + y * stride, count: W * 3))
        }
    }
}

/// A swscale context for one conversion, rebuilt only when the source changes.
final class Scaler {
    private var context: OpaquePointer?
    private var key: [Int32] = []

    deinit { sws_freeContext(context) }

    /// Converts `source` into `destination` (sizes and formats taken from the frames).
    /// - Parameters:
    ///   - matrix: SWS_CS_ITU709 or SWS_CS_ITU601 for the YUV side.
    ///   - yuvFullRange: whether the YUV side uses 0...255 (JPEG) rather than 16...235.
    func convert(_ source: UnsafeMutablePointer<AVFrame>, into destination: UnsafeMutablePointer<AVFrame>,
                 matrix: Int32, yuvFullRange: Bool, path: String) throws {
        let s = source.pointee, d = destination.pointee
        let k = [s.width, s.height, s.format, d.width, d.height, d.format, matrix, yuvFullRange ? 1 : 0]
        if k != key {
            sws_freeContext(context)
            let downscale = d.width < s.width && d.height < s.height
            // Accurate rounding and full-resolution chroma in and out: the fast paths cost ~1-2 dB.
            let flags = (downscale ? SWS_AREA : SWS_BICUBIC) | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT | SWS_FULL_CHR_H_INP
            context = sws_getContext(s.width, s.height, AVPixelFormat(rawValue: s.format),
                                     d.width, d.height, AVPixelFormat(rawValue: d.format),
                                     flags, nil, nil, nil)
            guard context != nil else {
                key = []
                throw MediaError("cannot convert \(path): unsupported pixel format or size \(s.width)x\(s.height)")
            }
            let table = sws_getCoefficients(matrix)
            let srcRGB = Scaler.isRGB(s.format), dstRGB = Scaler.isRGB(d.format)
            let srcRange: Int32 = srcRGB || yuvFullRange ? 1 : 0
            let dstRange: Int32 = dstRGB || yuvFullRange ? 1 : 0
            sws_setColorspaceDetails(context, table, srcRange, table, dstRange, 0, 1 << 16, 1 << 16)
            key = k
        }
        let r = sws_scale_frame(context, destination, source)
        if r < 0 { throw MediaError("cannot convert \(path): \(LibAV.describe(r))") }
    }

    static func isRGB(_ format: Int32) -> Bool {
        guard let d = av_pix_fmt_desc_get(AVPixelFormat(rawValue: format)) else { return false }
        return d.pointee.flags & UInt64(AV_PIX_FMT_FLAG_RGB) != 0 || d.pointee.flags & UInt64(AV_PIX_FMT_FLAG_PAL) != 0
    }
}

// Video -> H.264 in .mp4 (libx264, yuv420p, BT.709 limited range, tagged).
//
// yuv420p needs even sizes: an odd width or height is padded by one column/row that repeats the
// last one, so the file is (W+1)x(H+1) at worst and every source pixel is kept. The time base is
// 1/fps and frame i has pts i, so the file holds exactly frameCount frames at fps.
import CFFmpeg

/// How hard the H.264 encoder works to keep detail.
public enum VideoQuality: Equatable, Sendable {
    /// crf 18: visually clean, small files.
    case standard
    /// crf 4: close to lossless within yuv420p (what remains is chroma subsampling).
    case high
    /// Any x264 crf, 0 (lossless) ... 51 (worst).
    case custom(crf: Int)

    var crf: Int {
        switch self {
        case .standard: return 18
        case .high: return 4
        case .custom(let crf): return max(0, min(51, crf))
        }
    }
}

enum MP4Writer {
    /// The size actually stored: yuv420p needs even dimensions.
    static func storedSize(width: Int, height: Int) -> (width: Int, height: Int) {
        (width + width % 2, height + height % 2)
    }

    static func write(_ video: Video, to path: String, label: String, metadata: [String: String], quality: VideoQuality) throws {
        let (W, H) = storedSize(width: video.width, height: video.height)
        let muxer = try EncodingMuxer(
            format: "mp4", encoder: "libx264", path: path, label: label, fps: video.fps,
            codecOptions: ["crf": String(quality.crf), "preset": "medium"],
            // Custom keys (prompt, seed, settings) are only kept by the mp4 muxer with this flag.
            muxerOptions: ["movflags": "use_metadata_tags"],
            metadata: metadata
        ) { c in
            c.pointee.width = Int32(W)
            c.pointee.height = Int32(H)
            c.pointee.pix_fmt = AV_PIX_FMT_YUV420P
            c.pointee.color_range = AVCOL_RANGE_MPEG
            c.pointee.colorspace = AVCOL_SPC_BT709
            c.pointee.color_primaries = AVCOL_PRI_BT709
            c.pointee.color_trc = AVCOL_TRC_BT709
            c.pointee.gop_size = Int32(max(12, video.fps * 4))
        }
        let rgb = try FrameBuffer(width: W, height: H, format: AV_PIX_FMT_RGB24)
        let yuv = try FrameBuffer(width: W, height: H, format: AV_PIX_FMT_YUV420P)
        let scaler = Scaler()
        for i in 0..<video.frameCount {
            rgb.fillRGB(from: video, frame: i)
            try LibAV.check(av_frame_make_writable(yuv.frame), "cannot encode", label)
            try scaler.convert(rgb.frame, into: yuv.frame, matrix: SWS_CS_ITU709, yuvFullRange: false, path: label)
            yuv.frame.pointee.pts = Int64(i)
            yuv.frame.pointee.color_range = AVCOL_RANGE_MPEG
            yuv.frame.pointee.colorspace = AVCOL_SPC_BT709
            try muxer.encode(yuv.frame)
        }
        try muxer.finish()
    }
}

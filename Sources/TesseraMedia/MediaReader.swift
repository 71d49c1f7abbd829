// Any video or image FFmpeg reads -> `Video` (RGB24), scaled with swscale and resampled in time
// by presentation timestamp.
//
// Time: frame times are taken relative to the first decoded frame. Output frame k (time k/fps)
// is the last decoded frame whose time is <= k/fps, the one on screen at that moment; the clip
// lasts until the last frame's time plus its duration, so a 2 s clip read at 12 fps gives 24
// frames. Timestamps that are missing, go backwards or jump more than 10 s ahead are replaced by
// "previous + one nominal frame", so garbage cannot make the reader emit millions of frames.
// Colour: the stream's matrix tag (BT.709, else BT.601, FFmpeg's default) and range tag.
// Strictness: decoders run with AV_EF_EXPLODE, so a damaged bitstream is an error, not a
// silently concealed picture.
import CFFmpeg
import Foundation

/// What `MediaReader.probe` learns from the headers, without decoding.
public struct MediaInfo: Equatable, Sendable {
    public let width: Int
    public let height: Int
    /// Frames per second as the container states it (average, else guessed).
    public let fps: Double
    /// Frames in the stream: the container's count when it has one, else duration * fps.
    public let frameCount: Int
    /// Seconds.
    public let duration: Double
    /// FFmpeg's codec name, e.g. "h264", "gif", "rawvideo".
    public let codec: String
    /// FFmpeg's demuxer name, e.g. "mov,mp4,m4a,3gp,3g2,mj2".
    public let container: String
}

public enum MediaReader {
    /// Largest decoded output held in memory before `read` asks for `maxFrames`.
    public static let maxOutputBytes = 4 << 30

    /// Decodes the best video stream of `path` to RGB frames.
    /// - Parameters:
    ///   - width, height: output size; nil keeps the native one (one given: the other follows the aspect ratio).
    ///   - fps: output frame rate, resampled by timestamp; nil keeps every decoded frame at the native rate.
    ///   - maxFrames: stop after this many output frames.
    /// - Throws: `MediaError` (one line) for a missing, empty, truncated, corrupted or non-video file.
    public static func read(_ path: String, width: Int? = nil, height: Int? = nil, fps: Int? = nil,
                            maxFrames: Int? = nil) throws -> Video {
        if let w = width, !(1...16384).contains(w) { throw MediaError("cannot read \(path): width \(w) must be 1...16384") }
        if let h = height, !(1...16384).contains(h) { throw MediaError("cannot read \(path): height \(h) must be 1...16384") }
        if let f = fps, !(1...1000).contains(f) { throw MediaError("cannot read \(path): fps \(f) must be 1...1000") }
        if let m = maxFrames, m < 1 { throw MediaError("cannot read \(path): maxFrames must be at least 1") }
        let input = try InputVideo(path)
        return try input.decode(width: width, height: height, fps: fps, maxFrames: maxFrames)
    }

    /// Reads the headers of `path` (no decoding).
    public static func probe(_ path: String) throws -> MediaInfo {
        let input = try InputVideo(path)
        let par = input.stream.pointee.codecpar.pointee
        let rate = input.nominalFPS
        var duration = 0.0
        if input.stream.pointee.duration > 0 && input.stream.pointee.duration != sh_AV_NOPTS_VALUE() {
            duration = Double(input.stream.pointee.duration) * av_q2d(input.stream.pointee.time_base)
        } else if input.format.pointee.duration > 0 {
            duration = Double(input.format.pointee.duration) / Double(AV_TIME_BASE)
        }
        let stated = Int(input.stream.pointee.nb_frames)
        let count = stated > 0 ? stated : max(1, Int((duration * rate).rounded()))
        if duration == 0 { duration = Double(count) / rate }
        return MediaInfo(width: Int(par.width), height: Int(par.height), fps: rate, frameCount: count,
                         duration: duration, codec: String(cString: avcodec_get_name(par.codec_id)),
                         container: String(cString: input.format.pointee.iformat.pointee.name))
    }
}

/// An opened input with its chosen video stream and decoder.
final class InputVideo {
    let path: String
    let format: UnsafeMutablePointer<AVFormatContext>
    let stream: UnsafeMutablePointer<AVStream>
    private var decoder: UnsafeMutablePointer<AVCodecContext>?
    private var formatHandle: UnsafeMutablePointer<AVFormatContext>?

    static let accepted = "accepted: any video or image FFmpeg reads (mp4, mkv, webm, mov, gif, y4m, png, ...)"

    init(_ path: String) throws {
        _ = LibAV.setUp
        LibAV.clearLog()
        self.path = path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw MediaError("cannot read \(path): no such file")
        }
        guard !isDirectory.boolValue else { throw MediaError("cannot read \(path): it is a folder, not a video file") }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
        if size == 0 { throw MediaError("cannot read \(path): the file is empty; \(InputVideo.accepted)") }

        var handle: UnsafeMutablePointer<AVFormatContext>? = nil
        let opened = avformat_open_input(&handle, path, nil, nil)
        guard opened >= 0, let fc = handle else {
            throw MediaError("cannot read \(path): \(LibAV.describe(opened)); \(InputVideo.accepted)")
        }
        formatHandle = fc
        format = fc
        let formatName = String(cString: fc.pointee.iformat.pointee.name)
        // Demuxers that turn any text into "video" (ANSI art, subtitles rendered as frames).
        if ["tty", "bin", "adp", "idf", "xbin"].contains(formatName) {
            avformat_close_input(&formatHandle)
            throw MediaError("cannot read \(path): it is not a video (FFmpeg sees \(formatName) text); \(InputVideo.accepted)")
        }
        fc.pointee.error_recognition |= AV_EF_EXPLODE
        let info = avformat_find_stream_info(fc, nil)
        if info < 0 {
            avformat_close_input(&formatHandle)
            throw MediaError("cannot read \(path): \(LibAV.describe(info)); \(InputVideo.accepted)")
        }
        var chosen: UnsafeMutablePointer<AVStream>?
        let best = av_find_best_stream(fc, AVMEDIA_TYPE_VIDEO, -1, -1, nil, 0)
        for i in 0..<Int(fc.pointee.nb_streams) {
            guard let s = fc.pointee.streams[i], s.pointee.codecpar.pointee.codec_type == AVMEDIA_TYPE_VIDEO,
                  s.pointee.disposition & AV_DISPOSITION_ATTACHED_PIC == 0 else { continue }  // cover art is not video
            if chosen == nil || i == Int(best) { chosen = s }
        }
        guard let st = chosen else {
            avformat_close_input(&formatHandle)
            throw MediaError("cannot read \(path): it has no video stream (\(formatName)); \(InputVideo.accepted)")
        }
        stream = st
        let par = st.pointee.codecpar.pointee
        guard par.width > 0, par.height > 0, par.width <= 16384, par.height <= 16384 else {
            avformat_close_input(&formatHandle)
            throw MediaError("cannot read \(path): bad frame size \(par.width)x\(par.height); \(InputVideo.accepted)")
        }
        if let problem = InputVideo.truncation(path: path, format: formatName, size: size ?? 0, parameters: par) {
            avformat_close_input(&formatHandle)
            throw MediaError("cannot read \(path): truncated file (\(problem))")
        }
    }

    /// Truncation the demuxers drop silently: the y4m demuxer discards a partial last frame and
    /// the gif decoder shows a partial last image. Other formats report it themselves.
    static func truncation(path: String, format: String, size: Int, parameters: AVCodecParameters) -> String? {
        guard format == "yuv4mpegpipe" || format == "gif", let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        if format == "gif" {
            try? handle.seek(toOffset: UInt64(max(0, size - 1)))
            return handle.readData(ofLength: 1).first == 0x3B ? nil : "no GIF trailer"
        }
        let head = handle.readData(ofLength: 1024)
        guard let newline = head.firstIndex(of: 0x0A) else { return "no header line" }
        let frameBytes = Int(av_image_get_buffer_size(AVPixelFormat(rawValue: parameters.format), parameters.width, parameters.height, 1))
        guard frameBytes > 0 else { return nil }
        let body = size - (newline + 1)
        return body % (frameBytes + 6) == 0 ? nil : "a partial frame at the end"  // each frame: "FRAME\n" + planes
    }

    deinit {
        avcodec_free_context(&decoder)
        avformat_close_input(&formatHandle)
    }

    /// Frames per second from the container (average, else FFmpeg's guess, else 25).
    var nominalFPS: Double {
        for rate in [stream.pointee.avg_frame_rate, av_guess_frame_rate(format, stream, nil), stream.pointee.r_frame_rate] {
            if rate.num > 0 && rate.den > 0 {
                let r = av_q2d(rate)
                if r >= 0.1 && r <= 1000 { return r }
            }
        }
        return 25
    }

    private func openDecoder() throws -> UnsafeMutablePointer<AVCodecContext> {
        let par = stream.pointee.codecpar!
        guard let codec = avcodec_find_decoder(par.pointee.codec_id) else {
            throw MediaError("cannot read \(path): no decoder for \(String(cString: avcodec_get_name(par.pointee.codec_id))); \(InputVideo.accepted)")
        }
        guard let c = avcodec_alloc_context3(codec) else { throw MediaError("cannot read \(path): out of memory") }
        decoder = c
        try LibAV.check(avcodec_parameters_to_context(c, par), "cannot read", path)
        c.pointee.err_recognition |= AV_EF_EXPLODE
        c.pointee.pkt_timebase = stream.pointee.time_base
        try LibAV.check(avcodec_open2(c, codec, nil), "cannot open the decoder for", path)
        return c
    }

    func decode(width: Int?, height: Int?, fps: Int?, maxFrames: Int?) throws -> Video {
        let c = try openDecoder()
        let par = stream.pointee.codecpar.pointee
        let (W, H) = InputVideo.outputSize(native: (Int(par.width), Int(par.height)), width: width, height: height)
        let nominal = nominalFPS
        let outFPS = fps ?? max(1, Int(nominal.rounded()))
        let limit = min(maxFrames ?? Int.max, MediaReader.maxOutputBytes / (W * H * 3))
        var resampler = TimeResampler(outputFPS: fps.map(Double.init), nominalDuration: 1 / nominal, limit: limit)
        let rgb = try FrameBuffer(width: W, height: H, format: AV_PIX_FMT_RGB24)
        let scaler = Scaler()
        var pixels: [UInt8] = []
        var currentRGB: [UInt8] = []
        var pending: (time: Double, duration: Double)?
        let timeBase = av_q2d(stream.pointee.time_base)

        guard let packet = av_packet_alloc(), let frame = av_frame_alloc() else { throw MediaError("cannot read \(path): out of memory") }
        var packetHandle: UnsafeMutablePointer<AVPacket>? = packet, frameHandle: UnsafeMutablePointer<AVFrame>? = frame
        defer { av_packet_free(&packetHandle); av_frame_free(&frameHandle) }

        /// Emits the pending frame as often as the next frame's time says, then makes `frame` pending.
        func take(_ frame: UnsafeMutablePointer<AVFrame>) throws {
            let f = frame.pointee
            guard f.width > 0, f.height > 0, f.width <= 16384, f.height <= 16384 else {
                throw MediaError("cannot read \(path): decoded a frame of bad size \(f.width)x\(f.height)")
            }
            let ts = f.best_effort_timestamp
            let time: Double? = ts == sh_AV_NOPTS_VALUE() ? nil : Double(ts) * timeBase
            let duration = f.pkt_duration > 0 ? Double(f.pkt_duration) * timeBase : 1 / nominal
            let t = resampler.place(time)
            if let p = pending { flush(p.time, until: t) }
            try LibAV.check(av_frame_make_writable(rgb.frame), "cannot read", path)
            try scaler.convert(frame, into: rgb.frame, matrix: InputVideo.matrix(f), yuvFullRange: InputVideo.isFullRange(f), path: path)
            currentRGB.removeAll(keepingCapacity: true)
            rgb.appendRGB(to: &currentRGB)
            pending = (t, min(max(duration, 0.001), 10))
        }
        func flush(_ time: Double, until next: Double) {
            let copies = resampler.copies(frameAt: time, nextAt: next)
            for _ in 0..<copies { pixels.append(contentsOf: currentRGB) }
        }

        LibAV.clearLog()
        readLoop: while !resampler.isFull {
            let r = av_read_frame(format, packet)
            if r == sh_AVERROR_EOF() { break }
            if r < 0 { throw MediaError("cannot read \(path): \(LibAV.describe(r)) (damaged or truncated file)") }
            defer { av_packet_unref(packet) }
            guard packet.pointee.stream_index == stream.pointee.index else { continue }
            if packet.pointee.flags & AV_PKT_FLAG_CORRUPT != 0 {
                throw MediaError("cannot read \(path): damaged or truncated video data")
            }
            let s = avcodec_send_packet(c, packet)
            if s < 0 && s != sh_AVERROR_EAGAIN() {
                throw MediaError("cannot read \(path): \(LibAV.describe(s)) (damaged video data)")
            }
            while true {
                let d = avcodec_receive_frame(c, frame)
                if d == sh_AVERROR_EAGAIN() || d == sh_AVERROR_EOF() { break }
                if d < 0 { throw MediaError("cannot read \(path): \(LibAV.describe(d)) (damaged video data)") }
                try take(frame)
                av_frame_unref(frame)
                if resampler.isFull { break readLoop }
            }
        }
        if !resampler.isFull {
            _ = avcodec_send_packet(c, nil)
            while !resampler.isFull {
                let d = avcodec_receive_frame(c, frame)
                if d == sh_AVERROR_EAGAIN() || d == sh_AVERROR_EOF() { break }
                if d < 0 { throw MediaError("cannot read \(path): \(LibAV.describe(d)) (damaged video data)") }
                try take(frame)
                av_frame_unref(frame)
            }
        }
        if let p = pending, !resampler.isFull { flush(p.time, until: p.time + p.duration) }
        guard !pixels.isEmpty else {
            throw MediaError("cannot read \(path): no frame could be decoded (damaged or truncated file)")
        }
        if resampler.emitted >= MediaReader.maxOutputBytes / (W * H * 3) && maxFrames == nil {
            throw MediaError("cannot read \(path): more than \(MediaReader.maxOutputBytes >> 30) GiB of frames at \(W)x\(H); limit the frame count")
        }
        return Video(width: W, height: H, fps: outFPS, pixels: pixels)
    }

    /// Requested size; with one side given the other follows the native aspect ratio.
    static func outputSize(native: (Int, Int), width: Int?, height: Int?) -> (Int, Int) {
        switch (width, height) {
        case let (w?, h?): return (w, h)
        case let (w?, nil): return (w, max(1, Int((Double(w) * Double(native.1) / Double(native.0)).rounded())))
        case let (nil, h?): return (max(1, Int((Double(h) * Double(native.0) / Double(native.1)).rounded())), h)
        case (nil, nil): return native
        }
    }

    static func matrix(_ f: AVFrame) -> Int32 {
        f.colorspace == AVCOL_SPC_BT709 ? SWS_CS_ITU709 : SWS_CS_ITU601
    }

    static func isFullRange(_ f: AVFrame) -> Bool {
        let format = AVPixelFormat(rawValue: f.format)
        return f.color_range == AVCOL_RANGE_JPEG || [AV_PIX_FMT_YUVJ420P, AV_PIX_FMT_YUVJ422P, AV_PIX_FMT_YUVJ444P, AV_PIX_FMT_YUVJ440P].contains(format)
    }
}

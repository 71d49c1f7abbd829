// A libavcodec encoder feeding a libavformat muxer: the shared path of the .mp4 and .gif writers.
import CFFmpeg

final class EncodingMuxer {
    private var output: UnsafeMutablePointer<AVFormatContext>?
    private var codec: UnsafeMutablePointer<AVCodecContext>?
    private var packet: UnsafeMutablePointer<AVPacket>?
    private let stream: UnsafeMutablePointer<AVStream>
    private let path: String
    private let label: String
    private var ioOpen = false

    /// Opens `encoder` and the muxer `format` writing to `path` (a temporary file).
    /// - Parameters:
    ///   - label: the user's name for the file, used in error messages.
    ///   - configure: sets size, pixel format and colour tags on the codec context before it opens.
    init(format: String, encoder: String, path: String, label: String, fps: Int,
         codecOptions: [String: String], muxerOptions: [String: String], metadata: [String: String],
         configure: (UnsafeMutablePointer<AVCodecContext>) -> Void) throws {
        _ = LibAV.setUp
        LibAV.clearLog()
        self.path = path
        self.label = label
        try LibAV.check(avformat_alloc_output_context2(&output, nil, format, path), "cannot create", label)
        guard let oc = output else { throw MediaError("cannot create \(label): no \(format) muxer in this FFmpeg") }
        guard let encoderCodec = avcodec_find_encoder_by_name(encoder) else {
            throw MediaError("cannot create \(label): FFmpeg was built without the \(encoder) encoder")
        }
        guard let c = avcodec_alloc_context3(encoderCodec) else { throw MediaError("cannot create \(label): out of memory") }
        codec = c
        c.pointee.time_base = AVRational(num: 1, den: Int32(fps))
        c.pointee.framerate = AVRational(num: Int32(fps), den: 1)
        configure(c)
        if oc.pointee.oformat.pointee.flags & AVFMT_GLOBALHEADER != 0 {
            c.pointee.flags |= AV_CODEC_FLAG_GLOBAL_HEADER
        }
        var options = EncodingMuxer.dictionary(codecOptions)
        defer { av_dict_free(&options) }
        try LibAV.check(avcodec_open2(c, encoderCodec, &options), "cannot open the \(encoder) encoder for", label)

        guard let st = avformat_new_stream(oc, nil) else { throw MediaError("cannot create \(label): out of memory") }
        stream = st
        try LibAV.check(avcodec_parameters_from_context(st.pointee.codecpar, c), "cannot create", label)
        st.pointee.time_base = c.pointee.time_base
        st.pointee.avg_frame_rate = c.pointee.framerate
        // Sorted: a Dictionary's order changes from process to process, and the file must not.
        for (k, v) in metadata.sorted(by: { $0.key < $1.key }) { av_dict_set(&oc.pointee.metadata, k, v, 0) }

        try LibAV.check(avio_open(&oc.pointee.pb, path, AVIO_FLAG_WRITE), "cannot open", label)
        ioOpen = true
        var muxOptions = EncodingMuxer.dictionary(muxerOptions)
        defer { av_dict_free(&muxOptions) }
        try LibAV.check(avformat_write_header(oc, &muxOptions), "cannot write the header of", label)
        guard let p = av_packet_alloc() else { throw MediaError("cannot create \(label): out of memory") }
        packet = p
    }

    deinit {
        if let oc = output {
            if ioOpen { avio_closep(&oc.pointee.pb) }
            avformat_free_context(oc)
        }
        avcodec_free_context(&codec)
        av_packet_free(&packet)
    }

    /// Encodes `frame` (pts in frames) and writes whatever packets are ready.
    func encode(_ frame: UnsafeMutablePointer<AVFrame>?) throws {
        guard let c = codec, let oc = output, let pkt = packet else { return }
        try LibAV.check(avcodec_send_frame(c, frame), "cannot encode", label)
        while true {
            let r = avcodec_receive_packet(c, pkt)
            if r == sh_AVERROR_EAGAIN() || r == sh_AVERROR_EOF() { return }
            try LibAV.check(r, "cannot encode", label)
            if pkt.pointee.duration == 0 { pkt.pointee.duration = 1 }
            av_packet_rescale_ts(pkt, c.pointee.time_base, stream.pointee.time_base)
            pkt.pointee.stream_index = stream.pointee.index
            let w = av_interleaved_write_frame(oc, pkt)  // takes ownership of the packet's data
            try LibAV.check(w, "cannot write", label)
        }
    }

    /// Flushes the encoder, writes the trailer and closes the file.
    func finish() throws {
        try encode(nil)
        guard let oc = output else { return }
        try LibAV.check(av_write_trailer(oc), "cannot finish", label)
        ioOpen = false
        try LibAV.check(avio_closep(&oc.pointee.pb), "cannot close", label)
    }

    static func dictionary(_ pairs: [String: String]) -> OpaquePointer? {
        var d: OpaquePointer? = nil
        for (k, v) in pairs.sorted(by: { $0.key < $1.key }) { av_dict_set(&d, k, v, 0) }
        return d
    }
}

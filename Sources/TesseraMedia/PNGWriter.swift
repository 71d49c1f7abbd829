// One RGB frame -> .png bytes through libavcodec's png encoder (lossless RGB24).
import CFFmpeg

enum PNGWriter {
    static func encode(_ video: Video, frame index: Int, label: String) throws -> [UInt8] {
        _ = LibAV.setUp
        guard let codec = avcodec_find_encoder(AV_CODEC_ID_PNG) else {
            throw MediaError("cannot write \(label): FFmpeg was built without the png encoder")
        }
        var context = avcodec_alloc_context3(codec)
        defer { avcodec_free_context(&context) }
        var packet = av_packet_alloc()
        defer { av_packet_free(&packet) }
        guard let c = context, let pkt = packet else { throw MediaError("cannot write \(label): out of memory") }
        c.pointee.width = Int32(video.width)
        c.pointee.height = Int32(video.height)
        c.pointee.pix_fmt = AV_PIX_FMT_RGB24
        c.pointee.time_base = AVRational(num: 1, den: Int32(video.fps))
        try LibAV.check(avcodec_open2(c, codec, nil), "cannot open the png encoder for", label)
        let rgb = try FrameBuffer(width: video.width, height: video.height, format: AV_PIX_FMT_RGB24)
        rgb.fillRGB(from: video, frame: index)
        rgb.frame.pointee.pts = 0
        try LibAV.check(avcodec_send_frame(c, rgb.frame), "cannot encode", label)
        try LibAV.check(avcodec_send_frame(c, nil), "cannot encode", label)
        var bytes: [UInt8] = []
        while true {
            let r = avcodec_receive_packet(c, pkt)
            if r == sh_AVERROR_EOF() || r == sh_AVERROR_EAGAIN() { break }
            try LibAV.check(r, "cannot encode", label)
            bytes.append(contentsOf: UnsafeBufferPointer(start: pkt.pointee.data, count: Int(pkt.pointee.size)))
            av_packet_unref(pkt)
        }
        guard !bytes.isEmpty else { throw MediaError("cannot encode \(label): the png encoder produced nothing") }
        return bytes
    }
}

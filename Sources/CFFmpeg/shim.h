// FFmpeg (Debian 12: 5.1). AVERROR and friends are macros Swift cannot import; av_log is variadic,
// so the log callback that keeps the last error message for our one-line errors lives here too.
#include <stdio.h>
#include <stdarg.h>
#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libswscale/swscale.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libavutil/error.h>
#include <libavutil/dict.h>

static inline int sh_AVERROR(int e) { return AVERROR(e); }
static inline int sh_AVERROR_EOF(void) { return AVERROR_EOF; }
static inline int sh_AVERROR_EAGAIN(void) { return AVERROR(EAGAIN); }
static inline int sh_AVERROR_INVALIDDATA(void) { return AVERROR_INVALIDDATA; }
static inline int64_t sh_AV_NOPTS_VALUE(void) { return AV_NOPTS_VALUE; }
static inline const char *sh_av_err2str(int e, char *buf, size_t n) { av_strerror(e, buf, n); return buf; }

// The last message libav logged at error level or worse (one line, newline stripped). A
// function-local static: Swift does not emit file-scope statics from an imported header.
static inline char *sh_last_log_buffer(void) { static char buffer[256]; return buffer; }

static void sh_log_callback(void *avcl, int level, const char *fmt, va_list vl) {
    (void)avcl;
    if (level > AV_LOG_ERROR) return;
    char *message = sh_last_log_buffer();
    vsnprintf(message, 256, fmt, vl);
    for (char *p = message; *p; p++) if (*p == '\n' || *p == '\r') { *p = 0; break; }
}

/// Silences libav's stderr logging; error-level messages are kept for sh_last_log().
static inline void sh_install_log_callback(void) {
    av_log_set_level(AV_LOG_ERROR);
    av_log_set_callback(sh_log_callback);
}
static inline const char *sh_last_log(void) { return sh_last_log_buffer(); }
static inline void sh_clear_last_log(void) { sh_last_log_buffer()[0] = 0; }

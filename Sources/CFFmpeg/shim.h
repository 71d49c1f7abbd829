// FFmpeg (Debian 12: 5.1). AVERROR and friends are macros Swift cannot import.
// No static variables here: each Swift object file would get its own copy.
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

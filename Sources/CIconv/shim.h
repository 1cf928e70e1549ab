// CIconv: glibc's iconv for Swift, as a converter to UTF-8 with typed handles and a status
// instead of errno.  iconv lives in libc, so there is nothing to link.  Every symbol of ours
// carries the ciconv_ prefix.
#ifndef KIZUNA_CICONV_SHIM_H
#define KIZUNA_CICONV_SHIM_H

#include <errno.h>
#include <iconv.h>
#include <stddef.h>
#include <stdint.h>

/// A converter from one charset to UTF-8 (an iconv_t).
typedef struct ciconv_converter ciconv_converter;

/// What one conversion step ended with.
typedef enum {
    ciconv_done = 0,          // the input is used up (or the shift state written out)
    ciconv_output_full = 1,   // E2BIG: empty the output buffer and call again
    ciconv_invalid = 2,       // EILSEQ or EINVAL: the input stops at an invalid or truncated sequence
    ciconv_failed = 3         // anything else: give up
} ciconv_status;

static inline ciconv_status ciconv_status_of(size_t result) {
    if (result != (size_t)-1) return ciconv_done;
    switch (errno) {
    case E2BIG: return ciconv_output_full;
    case EILSEQ: case EINVAL: return ciconv_invalid;
    default: return ciconv_failed;
    }
}

/// A converter from `charset` to UTF-8; NULL when iconv does not know the charset.
static inline ciconv_converter *ciconv_open_to_utf8(const char *charset) {
    iconv_t cd = iconv_open("UTF-8", charset);
    return cd == (iconv_t)-1 ? NULL : (ciconv_converter *)cd;
}

static inline void ciconv_close(ciconv_converter *converter) {
    iconv_close((iconv_t)converter);
}

/// Converts from *input into *output, advancing both pointers and decreasing both counts.
static inline ciconv_status ciconv_convert(ciconv_converter *converter, const uint8_t **input, size_t *input_left,
                                           uint8_t **output, size_t *output_left) {
    // iconv never writes through its input pointer; its prototype just predates const.
    return ciconv_status_of(iconv((iconv_t)converter, (char **)input, input_left, (char **)output, output_left));
}

/// Writes out any pending shift state (the end of the input) into *output.
static inline ciconv_status ciconv_finish(ciconv_converter *converter, uint8_t **output, size_t *output_left) {
    return ciconv_status_of(iconv((iconv_t)converter, NULL, NULL, (char **)output, output_left));
}

#endif

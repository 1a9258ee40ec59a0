/*
 * Scarlet's bridge to the C library's floating point parsing and long double
 * arithmetic. Rust has no 80-bit long double and its float parser accepts a
 * different language than strtod, so the few number rules that Redis defines in
 * terms of the C library are evaluated here. Every function works on buffers the
 * caller owns and checks every length it is given; none keeps state.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Redis refuses long double strings of this many bytes or more. */
#define SCARLET_LD_MAX_CHARS 5120

/* Result codes shared with the Rust side (see src/ffi.rs). */
#define SCARLET_OK 0
#define SCARLET_BAD_CURRENT 1
#define SCARLET_BAD_DELTA 2
#define SCARLET_NAN_OR_INF 3
#define SCARLET_NO_ROOM 4

/* An overflow or an underflow all the way to zero makes the input unusable, while
 * an underflow that still yields a subnormal number is accepted. */
static int range_error_is_fatal(int err, long double value) {
    return err == ERANGE && (isinf(value) || value == 0.0L);
}

/* Parses exactly len bytes as a long double, accepting what Redis's string2ld
 * accepts: the whole input must be consumed, no leading white space, no NaN. */
static int parse_long_double(const char *s, size_t len, long double *out) {
    char buf[SCARLET_LD_MAX_CHARS];
    char *end = NULL;
    long double value;

    if (s == NULL || len == 0 || len >= sizeof(buf)) return 0;
    memcpy(buf, s, len);
    buf[len] = '\0';
    if (isspace((unsigned char)buf[0])) return 0;
    errno = 0;
    value = strtold(buf, &end);
    if (end == NULL || (size_t)(end - buf) != len) return 0;
    if (range_error_is_fatal(errno, value) || errno == EINVAL) return 0;
    if (isnan(value)) return 0;
    *out = value;
    return 1;
}

int scarlet_long_double_is_valid(const char *s, size_t len) {
    long double ignored;
    return parse_long_double(s, len, &ignored);
}

/* The caller guarantees s[len] == '\0', so strtod reads nothing past the input;
 * an embedded NUL ends the conversion early and fails the length check. */
int scarlet_parse_double(const char *s, size_t len, double *out) {
    char *end = NULL;
    double value;

    if (s == NULL || out == NULL || len == 0) return 0;
    if (isspace((unsigned char)s[0])) return 0;
    errno = 0;
    value = strtod(s, &end);
    if (end == NULL || (size_t)(end - s) != len) return 0;
    if (errno == ERANGE && (isinf(value) || value == 0.0)) return 0;
    if (isnan(value)) return 0;
    *out = value;
    return 1;
}

/* Runs strtod on a NUL-terminated string and reports how many bytes it consumed,
 * with no other check: Redis's score range parser (zslParseRange) accepts leading
 * white space, overflow to infinity and an empty string (which converts to 0). */
size_t scarlet_strtod_prefix(const char *s, double *out) {
    char *end = NULL;

    if (s == NULL || out == NULL) return 0;
    *out = strtod(s, &end);
    if (end == NULL || end < s) return 0;
    return (size_t)(end - s);
}

/* Adds delta to current (absent means zero) in long double and writes the sum
 * as Redis's human-friendly form: fixed notation with 17 decimals, trailing zeros
 * and a trailing dot removed, and "-0" written as "0". */
int scarlet_long_double_incr(const char *current, size_t current_len, int has_current,
                             const char *delta, size_t delta_len,
                             char *out, size_t out_cap, size_t *out_len) {
    long double value = 0.0L;
    long double incr = 0.0L;
    int written;
    size_t len;

    if (out == NULL || out_len == NULL || out_cap == 0) return SCARLET_NO_ROOM;
    *out_len = 0;
    if (has_current && !parse_long_double(current, current_len, &value))
        return SCARLET_BAD_CURRENT;
    if (!parse_long_double(delta, delta_len, &incr)) return SCARLET_BAD_DELTA;
    value += incr;
    if (isnan(value) || isinf(value)) return SCARLET_NAN_OR_INF;

    written = snprintf(out, out_cap, "%.17Lf", value);
    if (written < 0 || (size_t)written + 1 > out_cap) return SCARLET_NO_ROOM;
    len = (size_t)written;
    if (memchr(out, '.', len) != NULL) {
        while (len > 0 && out[len - 1] == '0') len--;
        if (len > 0 && out[len - 1] == '.') len--;
    }
    if (len == 2 && out[0] == '-' && out[1] == '0') {
        out[0] = '0';
        len = 1;
    }
    *out_len = len;
    return SCARLET_OK;
}

/* Formats a double as "%.17g", the form Redis 7.0 uses for doubles in replies
 * (ZSCORE, ZINCRBY, ...). Returns the length written, or 0 when out_cap is too
 * small; the caller handles infinities and NaN before calling. */
size_t scarlet_format_double(double value, char *out, size_t out_cap) {
    int written;

    if (out == NULL || out_cap == 0) return 0;
    written = snprintf(out, out_cap, "%.17g", value);
    if (written < 0 || (size_t)written >= out_cap) return 0;
    return (size_t)written;
}

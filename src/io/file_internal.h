/* SPDX-License-Identifier: MIT */
/*
 * Internal: reading whole regular files for the model and IDX readers. Never installed.
 *
 * A path is opened with O_NONBLOCK and checked with fstat before anything is read, so a FIFO without a
 * writer, a device, a socket or a directory is refused at once with NNB_ERR_IO instead of blocking (or
 * reading forever from /dev/zero). The includer defines _POSIX_C_SOURCE 200809L (or _XOPEN_SOURCE 700)
 * before any header.
 */
#ifndef NNB_INTERNAL_IO_FILE_H
#define NNB_INTERNAL_IO_FILE_H

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/error_internal.h"
#include "base/alloc_internal.h"
#include "nnbasics/status.h"

/*
 * Opens path for reading without blocking and checks that it is a regular file (symbolic links are
 * followed). Returns the descriptor (O_NONBLOCK cleared) and its size, or NNB_ERR_IO: cannot be opened,
 * or not a regular file.
 */
static inline const char *nnb__file_type_name(mode_t mode)
{
    if (S_ISDIR(mode)) {
        return "a directory";
    }
    if (S_ISFIFO(mode)) {
        return "a FIFO";
    }
    if (S_ISCHR(mode)) {
        return "a character device";
    }
    if (S_ISBLK(mode)) {
        return "a block device";
    }
    if (S_ISSOCK(mode)) {
        return "a socket";
    }
    return "not a regular file";
}

static inline nnb_status nnb__open_regular(const char *path, int *fd_out, size_t *size_out)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        return NNB__FAILF(NNB_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        const int e = errno;
        close(fd);
        return NNB__FAILF(NNB_ERR_IO, "%s: cannot stat: %s", path, strerror(e));
    }
    if (!S_ISREG(sb.st_mode) || sb.st_size < 0) {
        close(fd);
        return NNB__FAILF(NNB_ERR_IO, "%s: is %s, not a regular file", path, nnb__file_type_name(sb.st_mode));
    }
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) {
        const int e = errno;
        close(fd);
        return NNB__FAILF(NNB_ERR_IO, "%s: fcntl: %s", path, strerror(e));
    }
    if ((uintmax_t)sb.st_size > (uintmax_t)SIZE_MAX) {
        close(fd);
        return NNB__FAILF(NNB_ERR_IO, "%s: too large for this machine's address space", path);
    }
    *fd_out = fd;
    *size_out = (size_t)sb.st_size;
    return NNB_OK;
}

/*
 * Reads the whole regular file at path into library memory (nnb__malloc; the caller frees *data).
 * Returns NNB_ERR_IO (cannot open or read; not a regular file; it changed size while being read),
 * NNB_ERR_FORMAT (empty, or larger than max_bytes), NNB_ERR_NOMEM. Outputs untouched on failure.
 */
static inline nnb_status nnb__read_regular_file(const char *path, size_t max_bytes, unsigned char **data, size_t *size)
{
    int fd = -1;
    size_t n = 0;
    nnb_status st = nnb__open_regular(path, &fd, &n);
    if (st != NNB_OK) {
        return st;
    }
    unsigned char *buf = NULL;
    if (n == 0) {
        st = NNB__FAILF(NNB_ERR_FORMAT, "%s: the file is empty", path);
    } else if (n > max_bytes) {
        st = NNB__FAILF(NNB_ERR_FORMAT, "%s: %zu bytes, more than the limit of %zu bytes", path, n, max_bytes);
    } else if ((buf = nnb__malloc(n)) == NULL) {
        st = NNB__FAILF(NNB_ERR_NOMEM, "%s: out of memory for %zu bytes", path, n);
    } else {
        size_t got = 0;
        while (st == NNB_OK && got < n) {
            ssize_t r = read(fd, buf + got, n - got);
            if (r > 0) {
                got += (size_t)r;
            } else if (r == 0) {
                st = NNB__FAILF(NNB_ERR_IO, "%s: the file shrank to %zu bytes while being read", path, got);
            } else if (errno != EINTR) {
                st = NNB__FAILF(NNB_ERR_IO, "%s: read error at byte %zu: %s", path, got, strerror(errno));
            }
        }
        unsigned char extra;
        ssize_t more;
        do {
            more = read(fd, &extra, 1);
        } while (st == NNB_OK && more < 0 && errno == EINTR);
        if (st == NNB_OK && more != 0) {
            st = NNB__FAILF(NNB_ERR_IO, "%s: the file grew beyond %zu bytes while being read", path, n);
        }
    }
    close(fd);
    if (st != NNB_OK) {
        nnb__free(buf);
        return st;
    }
    *data = buf;
    *size = n;
    return NNB_OK;
}

#endif /* NNB_INTERNAL_IO_FILE_H */

/* SPDX-License-Identifier: MIT */
/**
 * @file idx.h
 * @brief Reading image/label data sets in the IDX format used by MNIST and Fashion-MNIST (chapter 19).
 *
 * An IDX file is big-endian: a 4-byte magic `0x00 0x00 TYPE NDIM`, then ndim 32-bit sizes, then the
 * elements. This module accepts the two layouts of the MNIST family, with unsigned-byte elements:
 *   - images, magic 0x00000803: count x rows x cols bytes, one image after the other, row by row;
 *   - labels, magic 0x00000801: count bytes, one class index per image.
 *
 * A file (or buffer) may be stored plain or gzip-compressed (recognised by its first two bytes 1f 8b);
 * gzip needs the library to be built with zlib (NNB_ERR_UNSUPPORTED otherwise).
 *
 * Everything is validated before a byte reaches a tensor: the magic, the number of dimensions, non-zero
 * sizes, the exact length (a short buffer is truncated, a longer one has trailing garbage: both are
 * NNB_ERR_FORMAT), size products (NNB_ERR_OVERFLOW), the decompressed size (at most NNB_IDX_MAX_BYTES),
 * and that the image and label files hold the same number of items.
 *
 * Preprocessing is the book's: each pixel p becomes the float32 (p - 127.5f) / 127.5f, so 0 -> -1 and
 * 255 -> 1, and each image is flattened row by row into rows * cols features. A set of count images is a
 * count x (rows * cols) tensor; the labels are uint32.
 *
 * All memory comes from the library allocator (alloc.h), including zlib's. On failure the out-parameter
 * is untouched, and nothing leaks. Distinct sets may be used from different threads; the read-only
 * accessors of one set may be called concurrently.
 */
#ifndef NNB_IDX_H
#define NNB_IDX_H

#include <stddef.h>
#include <stdint.h>

#include "nnbasics/export.h"
#include "nnbasics/rng.h"
#include "nnbasics/status.h"
#include "nnbasics/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The IDX magic number of an image file (read big-endian from the first four bytes). */
#define NNB_IDX_MAGIC_IMAGES 0x00000803u
/** The IDX magic number of a label file. */
#define NNB_IDX_MAGIC_LABELS 0x00000801u

/** Largest accepted file content in bytes, after decompression (1 GiB; Fashion-MNIST's largest is 47 MB). */
#define NNB_IDX_MAX_BYTES ((size_t)1 << 30)

/**
 * @name Memory bound of a data set
 * Before anything large is allocated, the loaders read the headers (inflating only their first bytes) and add
 * up what the set will hold: the files read (for the *_load functions), the inflated copies of gzip files, the
 * images as float32 (4 bytes a pixel) and the labels (4 bytes each). That total must be at most
 *   - with the default bound (the functions without max_memory, or max_memory 0):
 *     NNB_IDX_DEFAULT_MAX_MEMORY, and NNB_IDX_MAX_EXPANSION times the size of the files (or buffers) as
 *     stored unless the total is at most NNB_IDX_SMALL_SET_BYTES: a small gzip file that claims a huge count
 *     is refused before it can make the process allocate gigabytes (1 MB of gzip claiming 1 GiB of pixels
 *     would otherwise cost 5 GB);
 *   - with an explicit max_memory (the *_limited functions): max_memory alone, so a caller who trusts
 *     highly compressible data (mostly blank images) can load it.
 * Fashion-MNIST's training split needs about 262 MB (10 times its gzip files). Past either bound the loaders
 * return NNB_ERR_LIMIT with a detail giving the size needed and the limit.
 * @{
 */
#if SIZE_MAX > 0xffffffffu
/** The default bound on the total memory of a data set: 4 GiB (3 GiB on 32-bit systems). */
#    define NNB_IDX_DEFAULT_MAX_MEMORY ((size_t)1 << 32)
#else
/** The default bound on the total memory of a data set: 3 GiB on 32-bit systems. */
#    define NNB_IDX_DEFAULT_MAX_MEMORY ((size_t)3 << 30)
#endif
/** With the default bound: at most this many times the stored size of the files... */
#define NNB_IDX_MAX_EXPANSION 64u
/** ...unless the total is at most this (64 MiB). */
#define NNB_IDX_SMALL_SET_BYTES ((size_t)64 << 20)
/** @} */

/** The Fashion-MNIST files' directory when the caller gives none (where the Debian package installs them). */
#define NNB_FASHION_MNIST_DEFAULT_DIR "/usr/share/datasets/fashion-mnist"

/** Number of Fashion-MNIST classes. */
#define NNB_FASHION_MNIST_CLASSES 10
/** The side of a Fashion-MNIST image in pixels. */
#define NNB_FASHION_MNIST_SIDE 28

/** A labelled image set: images (count x features) and one label per image. Opaque. */
typedef struct nnb_idx_set nnb_idx_set;

/**
 * Parses an image buffer and a label buffer (each plain IDX or gzip-compressed IDX) into a new set.
 * Suited to fuzzing: any bytes give either a set or a status, never a crash. Reentrant.
 * @param out receives the set (owned by the caller; release with nnb_idx_set_destroy). Untouched on failure.
 * @param images the image file's bytes (borrowed, only read).
 * @param images_size bytes in images.
 * @param labels the label file's bytes (borrowed, only read).
 * @param labels_size bytes in labels.
 * The memory bound (above) applies with NNB_IDX_DEFAULT_MAX_MEMORY.
 * @return NNB_OK, NNB_ERR_NULL (out, images or labels NULL), NNB_ERR_FORMAT (wrong magic, wrong dimensions,
 *         a size of 0, truncated or trailing bytes, corrupt gzip, counts that differ, content above
 *         NNB_IDX_MAX_BYTES), NNB_ERR_OVERFLOW (the sizes' product overflows size_t), NNB_ERR_UNSUPPORTED
 *         (gzip without zlib), NNB_ERR_LIMIT (the memory bound, above), NNB_ERR_NOMEM.
 */
NNB_API nnb_status nnb_idx_set_parse(nnb_idx_set **out, const void *images, size_t images_size, const void *labels,
                                     size_t labels_size);

/**
 * Reads an image file and a label file (plain or .gz, recognised by content, not by name) into a new set.
 * @param out receives the set (owned by the caller; nnb_idx_set_destroy). Untouched on failure.
 * @param images_path the image file.
 * @param labels_path the label file.
 * @return the statuses of nnb_idx_set_parse, and NNB_ERR_IO when a file cannot be opened or read or is not
 *         a regular file (symbolic links are followed): a FIFO, device, socket or directory is refused at
 *         once, without reading from it or waiting for a writer. An empty file is NNB_ERR_FORMAT.
 */
NNB_API nnb_status nnb_idx_set_load(nnb_idx_set **out, const char *images_path, const char *labels_path);
/**
 * Reads an image file and a label file like nnb_idx_set_load, under a caller-chosen memory bound.
 * @param out receives the set (owned by the caller; release with nnb_idx_set_destroy); untouched on failure.
 * @param images_path the image file (plain or .gz), borrowed.
 * @param labels_path the label file (plain or .gz), borrowed.
 * @param max_memory the most bytes the set and its reading may claim (see "memory bound" above); 0 means
 *        the default bound (NNB_IDX_DEFAULT_MAX_MEMORY and the expansion rule).
 * @return NNB_OK, or the statuses of nnb_idx_set_load; NNB_ERR_LIMIT when the headers claim more memory than
 *         the bound allows (nnb_last_error() gives the size and the limit).
 */
NNB_API nnb_status nnb_idx_set_load_limited(nnb_idx_set **out, const char *images_path, const char *labels_path,
                                            size_t max_memory);
/**
 * Reads one image and its label without loading the whole set: the files are read sequentially through a
 * 64 KiB window (gzip files inflated on the fly, plain files seeked), so memory stays small whatever the
 * files' size. The headers are checked as by nnb_idx_set_load (magic, non-zero sizes, equal counts), and the
 * record must be present; bytes after the record are not read, so damage there goes unnoticed.
 * @param images_path the image file (plain or .gz), borrowed.
 * @param labels_path the label file (plain or .gz), borrowed.
 * @param index which item, 0-based.
 * @param image a 1 x (rows * cols) tensor (borrowed) that receives the image with the book's preprocessing.
 * @param label receives the item's label.
 * @param count when not NULL, receives the number of items the headers declare.
 * @return NNB_OK; NNB_ERR_NULL (a path, image or label NULL); NNB_ERR_ARGUMENT (index not below the count);
 *         NNB_ERR_SHAPE (image is not 1 x rows * cols); NNB_ERR_IO; NNB_ERR_FORMAT (bad header, counts that
 *         differ, a file that ends before the record, corrupt gzip); NNB_ERR_UNSUPPORTED (gzip without zlib);
 *         NNB_ERR_NOMEM. Outputs are untouched on failure.
 */
NNB_API nnb_status nnb_idx_read_one(const char *images_path, const char *labels_path, size_t index, nnb_tensor *image,
                                    uint32_t *label, size_t *count);

/** Which half of Fashion-MNIST to load. */
typedef enum nnb_fashion_split {
    NNB_FASHION_TRAIN = 0, /**< train-images-idx3-ubyte, train-labels-idx1-ubyte: 60000 images */
    NNB_FASHION_TEST = 1   /**< t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte: 10000 images */
} nnb_fashion_split;

/**
 * Loads one split of Fashion-MNIST.
 *
 * For each file the plain name is tried first, then the name with ".gz" (a name that exists but is not a
 * regular file counts as missing). Beyond nnb_idx_set_load's checks, the images must be 28 x 28 and every
 * label below 10 (NNB_ERR_FORMAT otherwise).
 * @param out receives the set (owned by the caller; nnb_idx_set_destroy). Untouched on failure.
 * @param dir the directory of the files; NULL for NNB_FASHION_MNIST_DEFAULT_DIR.
 * @param split which half.
 * @return NNB_OK, NNB_ERR_NULL (out), NNB_ERR_ARGUMENT (unknown split), NNB_ERR_IO (a file is missing or
 *         unreadable), and the statuses of nnb_idx_set_parse.
 */
NNB_API nnb_status nnb_fashion_mnist_load(nnb_idx_set **out, const char *dir, nnb_fashion_split split);
/**
 * nnb_fashion_mnist_load under a caller-chosen memory bound (see "memory bound" above).
 * @param out receives the set (owned by the caller); untouched on failure.
 * @param dir the directory (borrowed); NULL means NNB_FASHION_MNIST_DEFAULT_DIR.
 * @param split which half.
 * @param max_memory the most bytes the split may claim; 0 means the default bound (see above).
 * @return NNB_OK, or the statuses of nnb_fashion_mnist_load.
 */
NNB_API nnb_status nnb_fashion_mnist_load_limited(nnb_idx_set **out, const char *dir, nnb_fashion_split split,
                                                  size_t max_memory);
/**
 * Reads image `index` of a Fashion-MNIST split and its label without loading the split (nnb_idx_read_one).
 * @param dir the directory (borrowed); NULL means NNB_FASHION_MNIST_DEFAULT_DIR.
 * @param split which half.
 * @param index which image, 0-based.
 * @param image a 1 x 784 tensor (borrowed) that receives the preprocessed image.
 * @param label receives the label (0 to 9).
 * @param count when not NULL, receives the number of images in the split.
 * @return NNB_OK; NNB_ERR_NULL; NNB_ERR_ARGUMENT (unknown split, or index out of range: the detail gives the
 *         count); NNB_ERR_SHAPE (image not 1 x 784, or the files' images are not 28 x 28); NNB_ERR_IO (a
 *         file is missing or unreadable); NNB_ERR_FORMAT (as nnb_idx_read_one, or a label of 10 or more);
 *         NNB_ERR_UNSUPPORTED; NNB_ERR_NOMEM. Outputs are untouched on failure.
 */
NNB_API nnb_status nnb_fashion_mnist_read_one(const char *dir, nnb_fashion_split split, size_t index, nnb_tensor *image,
                                              uint32_t *label, size_t *count);

/**
 * The English name of a Fashion-MNIST class (0 "T-shirt/top", 1 "Trouser", 2 "Pullover", 3 "Dress",
 * 4 "Coat", 5 "Sandal", 6 "Shirt", 7 "Sneaker", 8 "Bag", 9 "Ankle boot").
 * @param index the class.
 * @return a static string; NULL when index is 10 or more.
 */
NNB_API const char *nnb_fashion_mnist_class_name(size_t index);

/**
 * Releases a set and everything it owns.
 * @param set the set, or NULL (ignored).
 */
NNB_API void nnb_idx_set_destroy(nnb_idx_set *set);

/**
 * Number of images (= labels) in the set.
 * @param set the set.
 * @return the count; 0 for NULL.
 */
NNB_API size_t nnb_idx_set_count(const nnb_idx_set *set);

/**
 * Height of each image in pixels (features per image = rows * cols).
 * @param set the set.
 * @return the rows; 0 for NULL.
 */
NNB_API size_t nnb_idx_set_image_rows(const nnb_idx_set *set);

/**
 * Width of each image in pixels.
 * @param set the set.
 * @return the columns; 0 for NULL.
 */
NNB_API size_t nnb_idx_set_image_cols(const nnb_idx_set *set);

/**
 * One more than the largest label in the set (the number of classes it implies).
 * @param set the set.
 * @return the count; 0 for NULL.
 */
NNB_API size_t nnb_idx_set_num_classes(const nnb_idx_set *set);

/**
 * The preprocessed images, count x (rows * cols). The caller must not resize it.
 * @param set the set.
 * @return borrowed: valid until the set is destroyed; NULL for a NULL set.
 */
NNB_API const nnb_tensor *nnb_idx_set_images(const nnb_idx_set *set);

/**
 * The labels, count entries.
 * @param set the set.
 * @return borrowed like the images; NULL for a NULL set.
 */
NNB_API const uint32_t *nnb_idx_set_labels(const nnb_idx_set *set);

/**
 * Shuffles the set in place: images and labels are permuted together by a Fisher-Yates pass drawing
 * nnb_rng_below from `rng` (count - 1 draws). Needs exclusive access to the set.
 * @param set the set.
 * @param rng the generator.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_NOMEM (the one-row scratch buffer: the set is then unchanged).
 */
NNB_API nnb_status nnb_idx_set_shuffle(nnb_idx_set *set, nnb_rng *rng);

#ifdef __cplusplus
}
#endif

#endif /* NNB_IDX_H */
